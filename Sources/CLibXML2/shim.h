// libxml2's HTML parser, for ActivityPubKit's HTML sanitiser.
#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU and would pull the system's ICU headers in, which clash with
// the ICU Foundation bundles. Nothing here touches the encoding structures ICU shapes.
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlmemory.h>

// xmlFree is a global function pointer, which Swift 6 treats as shared mutable state.
static inline void scribe_xml_free(void *pointer) { xmlFree(pointer); }
