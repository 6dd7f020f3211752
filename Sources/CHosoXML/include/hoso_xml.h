// libxml2, loaded with dlopen on first use, as libcurl is: only the commands that read XML
// (validate, ingest, show, rebuild, a catalog catching up, S3 responses) pay for loading libxml2
// and the ICU and LZMA libraries it brings, about 2.5 ms at every start of every command when it
// was linked in.
// The headers still give the types and the layout of the structures read from Swift.
#ifndef HOSO_XML_H
#define HOSO_XML_H

#include <stddef.h>

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

/// Loads libxml2 once; 0 when it is usable, else -1 with a message in `error`. Every function
/// below may be called only after it returned 0.
int hoso_xml_load(char *error, size_t error_size);

/* libxml2's functions used by hoso, each calling the loaded library's. */
void hoso_xml_free(void *p); /* xmlFree, a global function pointer in libxml2 */
void hoso_xmlInitParser(void);
void hoso_xmlSetExternalEntityLoader(xmlExternalEntityLoader f);
void hoso_xmlSetStructuredErrorFunc(void *ctx, xmlStructuredErrorFunc handler);
int hoso_xmlStrEqual(const xmlChar *a, const xmlChar *b);
xmlParserCtxtPtr hoso_xmlNewParserCtxt(void);
void hoso_xmlFreeParserCtxt(xmlParserCtxtPtr ctxt);
xmlDocPtr hoso_xmlCtxtReadMemory(xmlParserCtxtPtr ctxt, const char *buffer, int size, const char *url, const char *encoding, int options);
xmlDocPtr hoso_xmlReadMemory(const char *buffer, int size, const char *url, const char *encoding, int options);
void hoso_xmlFreeDoc(xmlDocPtr doc);
xmlNodePtr hoso_xmlDocGetRootElement(const xmlDoc *doc);
long hoso_xmlGetLineNo(const xmlNode *node);
xmlChar *hoso_xmlGetProp(const xmlNode *node, const xmlChar *name);
xmlChar *hoso_xmlNodeGetContent(const xmlNode *node);
xmlSchemaParserCtxtPtr hoso_xmlSchemaNewMemParserCtxt(const char *buffer, int size);
void hoso_xmlSchemaFreeParserCtxt(xmlSchemaParserCtxtPtr ctxt);
void hoso_xmlSchemaSetParserStructuredErrors(xmlSchemaParserCtxtPtr ctxt, xmlStructuredErrorFunc handler, void *ctx);
xmlSchemaPtr hoso_xmlSchemaParse(xmlSchemaParserCtxtPtr ctxt);
void hoso_xmlSchemaFree(xmlSchemaPtr schema);
xmlSchemaValidCtxtPtr hoso_xmlSchemaNewValidCtxt(xmlSchemaPtr schema);
void hoso_xmlSchemaFreeValidCtxt(xmlSchemaValidCtxtPtr ctxt);
void hoso_xmlSchemaSetValidStructuredErrors(xmlSchemaValidCtxtPtr ctxt, xmlStructuredErrorFunc handler, void *ctx);
int hoso_xmlSchemaValidateDoc(xmlSchemaValidCtxtPtr ctxt, xmlDocPtr doc);

#endif
