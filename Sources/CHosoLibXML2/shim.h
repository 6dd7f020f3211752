#ifndef CHOSOLIBXML2_SHIM_H
#define CHOSOLIBXML2_SHIM_H
/* Debian builds libxml2 with ICU, so <libxml/encoding.h> would pull the system ICU headers, which
   clash with the copy Foundation ships (clean builds fail with "UErrorCode has different
   definitions"). hoso never touches the ICU parts of libxml2, so hide them. The only effect is that
   xmlCharEncodingHandler loses two trailing fields in Swift's view: treat it as opaque. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlIO.h>

/* xmlFree is a global function-pointer variable; Swift 6 refuses to touch C globals. */
static inline void choso_xml_free(void *p) { xmlFree(p); }

/* The dotted version string is a macro. */
static inline const char *choso_xml_version(void) { return LIBXML_DOTTED_VERSION; }

#endif
