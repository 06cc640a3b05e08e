import Foundation
import HTTPTypes
import Hummingbird
import MultipartKit
import NIOCore
import NIOHTTP1
import ScribeHTTP

/// A submitted web form: its text fields and, for uploads, its files. Reading it checks the
/// anti-forgery token first, so no handler acts on a forged form.
public struct WebForm: Sendable {
    public var fields: [String: String]
    public var files: [String: Data]
    /// The names the browser gave the uploaded files, by field.
    public var fileNames: [String: String] = [:]

    public subscript(_ name: String) -> String { fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }

    /// The largest upload a form takes (a card PNG with its avatar, a CHARX, a lorebook).
    static let maximumSize = 8 << 20

    public static func read(_ request: Request, context: some RequestContext) async throws -> WebForm {
        let contentType = request.headers[.contentType] ?? ""
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: maximumSize) } catch {
            throw APIError(.contentTooLarge, code: "payload_too_large", message: "The form is larger than 8 MB.")
        }
        let form: WebForm
        if contentType.lowercased().hasPrefix("multipart/form-data") {
            guard let multipart = Self.multipart(body, contentType: contentType) else { throw Self.malformed }
            form = multipart
        } else {
            guard let fields = try? URLEncodedFormDecoder().decode([String: String].self, from: String(buffer: body)) else { throw Self.malformed }
            form = WebForm(fields: fields, files: [:])
        }
        guard FormToken.matches(form.fields["csrf"], request) else {
            throw APIError(
                .forbidden,
                code: "forbidden",
                message: "This form has expired or did not come from this site; reload the page and try again."
            )
        }
        return form
    }

    /// The fields and files of a `multipart/form-data` body, nil when it is malformed. No form
    /// token is checked: ``read(_:context:)`` checks it for the pages; API clients send none.
    public static func multipart(_ body: ByteBuffer, contentType: String) -> WebForm? {
        guard let boundary = Self.boundary(contentType), let parts = try? Self.parts(of: body, boundary: boundary) else { return nil }
        var fields: [String: String] = [:]
        var files: [String: Data] = [:]
        var fileNames: [String: String] = [:]
        for part in parts {
            guard let name = part.name else { continue }
            if let disposition = part.headers.first(name: "Content-Disposition"), disposition.contains("filename=") {
                if part.body.readableBytes > 0 {
                    files[name] = Data(part.body.readableBytesView)
                    fileNames[name] = Self.fileName(disposition)
                }
            } else {
                fields[name] = String(buffer: part.body)
            }
        }
        return WebForm(fields: fields, files: files, fileNames: fileNames)
    }

    /// The parts of a `multipart/form-data` body, by MultipartKit's parser.
    static func parts(of body: ByteBuffer, boundary: String) throws -> [MultipartPart] {
        guard headerNamesAreASCII(body, boundary: boundary) else { throw malformed }
        let parser = MultipartParser(boundary: boundary)
        var parts: [MultipartPart] = []
        var headers = HTTPHeaders()
        var content = ByteBuffer()
        parser.onHeader = { headers.replaceOrAdd(name: $0, value: $1) }
        parser.onBody = { content.writeBuffer(&$0) }
        parser.onPartComplete = {
            parts.append(MultipartPart(headers: headers, body: content))
            headers = HTTPHeaders()
            content = ByteBuffer()
        }
        try parser.execute(body)
        return parts
    }

    /// Whether every part's header names are ASCII. MultipartKit 4.7.1 looks each byte of a
    /// header name up in a 128-entry table, so a byte from 128 up traps and stops the process;
    /// such a body is refused before it reaches the parser. Header lines are read as the parser
    /// reads them: after `--boundary` and a line break, up to an empty line.
    static func headerNamesAreASCII(_ body: ByteBuffer, boundary: String) -> Bool {
        let bytes = Array(body.readableBytesView)
        let marker = Array(("--" + boundary + "\r\n").utf8)
        guard !marker.isEmpty, bytes.count >= marker.count else { return true }
        var start = 0
        while start <= bytes.count - marker.count {
            guard
                let found = (start...(bytes.count - marker.count)).first(where: {
                    bytes[$0] == marker[0] && bytes[$0..<($0 + marker.count)].elementsEqual(marker)
                })
            else { return true }
            var cursor = found + marker.count
            // Each header line: its name runs to a colon; an empty line ends the headers.
            lines: while cursor < bytes.count, bytes[cursor] != UInt8(ascii: "\r") {
                while cursor < bytes.count {
                    let byte = bytes[cursor]
                    if byte >= 0x80 { return false }
                    if byte == UInt8(ascii: ":") { break }
                    if byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") { break lines }
                    cursor += 1
                }
                // The value, to the end of its line.
                while cursor < bytes.count, bytes[cursor] != UInt8(ascii: "\n") { cursor += 1 }
                cursor += 1
            }
            start = found + 1
        }
        return true
    }

    /// `filename="…"` of a `Content-Disposition`, without any path.
    static func fileName(_ disposition: String) -> String? {
        guard let range = disposition.range(of: "filename=\"") else { return nil }
        let rest = disposition[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return rest[..<end].split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init)
    }

    static let malformed = APIError(.badRequest, code: "bad_request", message: "The form could not be read.")

    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == "boundary" { return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return nil
    }
}
