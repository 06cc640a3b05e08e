/// Group commit: what concurrent callers submit while one batch is being written goes into the
/// next, written together (one statement, one commit). A database that has to commit each
/// request on its own pays a commit, a round trip and a statement's planning per request; one
/// batch pays them once for all it holds.
///
/// Guarantees:
/// - ``submit(_:)`` returns only once the batch that holds its item is written, with the
///   item's own outcome;
/// - no caller waits for a timer: a batch starts as soon as the one before it is done, so a
///   lone item is written as soon as it would have been without batching;
/// - items are written in the order they were submitted, at most `maximumBatch` at a time.
public actor GroupCommit<Item: Sendable, Outcome: Sendable> {
    /// Writes a batch and returns one outcome per item, in order.
    public typealias Write = @Sendable ([Item]) async -> [Outcome]

    private let maximumBatch: Int
    private let write: Write
    private var waiting: [(item: Item, done: CheckedContinuation<Outcome, Never>)] = []
    private var writing = false

    public init(maximumBatch: Int, write: @escaping Write) {
        self.maximumBatch = maximumBatch
        self.write = write
    }

    public func submit(_ item: Item) async -> Outcome {
        await withCheckedContinuation { done in
            waiting.append((item, done))
            if !writing {
                writing = true
                Task { await self.writeAll() }
            }
        }
    }

    /// Writes batches until nobody waits. Items that arrive meanwhile join the next batch.
    private func writeAll() async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(maximumBatch))
            waiting.removeFirst(batch.count)
            let outcomes = await write(batch.map(\.item))
            precondition(outcomes.count == batch.count, "a group commit's write must answer for every item")
            for (entry, outcome) in zip(batch, outcomes) { entry.done.resume(returning: outcome) }
        }
        writing = false
    }
}
