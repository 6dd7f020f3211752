#include "hoso_xml.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

// The entry points used, resolved from the loaded library.
static struct {
    xmlFreeFunc *free_function;
    void (*init_parser)(void);
    xmlExternalEntityLoader (*set_entity_loader)(xmlExternalEntityLoader);
    void (*set_structured_error)(void *, xmlStructuredErrorFunc);
    int (*str_equal)(const xmlChar *, const xmlChar *);
    xmlParserCtxtPtr (*new_parser)(void);
    void (*free_parser)(xmlParserCtxtPtr);
    xmlDocPtr (*ctxt_read_memory)(xmlParserCtxtPtr, const char *, int, const char *, const char *, int);
    xmlDocPtr (*read_memory)(const char *, int, const char *, const char *, int);
    void (*free_doc)(xmlDocPtr);
    xmlNodePtr (*root_element)(const xmlDoc *);
    long (*line_number)(const xmlNode *);
    xmlChar *(*get_prop)(const xmlNode *, const xmlChar *);
    xmlChar *(*node_content)(const xmlNode *);
    xmlSchemaParserCtxtPtr (*schema_new_parser)(const char *, int);
    void (*schema_free_parser)(xmlSchemaParserCtxtPtr);
    void (*schema_parser_errors)(xmlSchemaParserCtxtPtr, xmlStructuredErrorFunc, void *);
    xmlSchemaPtr (*schema_parse)(xmlSchemaParserCtxtPtr);
    void (*schema_free)(xmlSchemaPtr);
    xmlSchemaValidCtxtPtr (*schema_new_valid)(xmlSchemaPtr);
    void (*schema_free_valid)(xmlSchemaValidCtxtPtr);
    void (*schema_valid_errors)(xmlSchemaValidCtxtPtr, xmlStructuredErrorFunc, void *);
    int (*schema_validate_doc)(xmlSchemaValidCtxtPtr, xmlDocPtr);
} api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void load(void) {
    // Debian's soname, then the development link and macOS's name.
    const char *names[] = { "libxml2.so.2", "libxml2.so", "libxml2.2.dylib" };
    char why[200] = "";
    void *lib = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && lib == NULL; i++) {
        lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (lib == NULL && i == 0) snprintf(why, sizeof why, "%s", dlerror());
    }
    if (lib == NULL) {
        snprintf(load_error, sizeof load_error, "libxml2, which reading XML needs, could not be loaded (%s); install it (apt-get install libxml2)", why);
        return;
    }
#define RESOLVE(field, symbol) \
    if ((*(void **)&api.field = dlsym(lib, symbol)) == NULL) { \
        snprintf(load_error, sizeof load_error, "the libxml2 found lacks %s: install libxml2 2.9 or later", symbol); return; }
    RESOLVE(free_function, "xmlFree")
    RESOLVE(init_parser, "xmlInitParser")
    RESOLVE(set_entity_loader, "xmlSetExternalEntityLoader")
    RESOLVE(set_structured_error, "xmlSetStructuredErrorFunc")
    RESOLVE(str_equal, "xmlStrEqual")
    RESOLVE(new_parser, "xmlNewParserCtxt")
    RESOLVE(free_parser, "xmlFreeParserCtxt")
    RESOLVE(ctxt_read_memory, "xmlCtxtReadMemory")
    RESOLVE(read_memory, "xmlReadMemory")
    RESOLVE(free_doc, "xmlFreeDoc")
    RESOLVE(root_element, "xmlDocGetRootElement")
    RESOLVE(line_number, "xmlGetLineNo")
    RESOLVE(get_prop, "xmlGetProp")
    RESOLVE(node_content, "xmlNodeGetContent")
    RESOLVE(schema_new_parser, "xmlSchemaNewMemParserCtxt")
    RESOLVE(schema_free_parser, "xmlSchemaFreeParserCtxt")
    RESOLVE(schema_parser_errors, "xmlSchemaSetParserStructuredErrors")
    RESOLVE(schema_parse, "xmlSchemaParse")
    RESOLVE(schema_free, "xmlSchemaFree")
    RESOLVE(schema_new_valid, "xmlSchemaNewValidCtxt")
    RESOLVE(schema_free_valid, "xmlSchemaFreeValidCtxt")
    RESOLVE(schema_valid_errors, "xmlSchemaSetValidStructuredErrors")
    RESOLVE(schema_validate_doc, "xmlSchemaValidateDoc")
#undef RESOLVE
}

int hoso_xml_load(char *error, size_t error_size) {
    pthread_once(&once, load);
    if (load_error[0] == 0) return 0;
    snprintf(error, error_size, "%s", load_error);
    return -1;
}

void hoso_xml_free(void *p) { (*api.free_function)(p); }
void hoso_xmlInitParser(void) { api.init_parser(); }
void hoso_xmlSetExternalEntityLoader(xmlExternalEntityLoader f) { api.set_entity_loader(f); }
void hoso_xmlSetStructuredErrorFunc(void *ctx, xmlStructuredErrorFunc handler) { api.set_structured_error(ctx, handler); }
int hoso_xmlStrEqual(const xmlChar *a, const xmlChar *b) { return api.str_equal(a, b); }
xmlParserCtxtPtr hoso_xmlNewParserCtxt(void) { return api.new_parser(); }
void hoso_xmlFreeParserCtxt(xmlParserCtxtPtr ctxt) { api.free_parser(ctxt); }
xmlDocPtr hoso_xmlCtxtReadMemory(xmlParserCtxtPtr ctxt, const char *buffer, int size, const char *url, const char *encoding, int options) {
    return api.ctxt_read_memory(ctxt, buffer, size, url, encoding, options);
}
xmlDocPtr hoso_xmlReadMemory(const char *buffer, int size, const char *url, const char *encoding, int options) {
    return api.read_memory(buffer, size, url, encoding, options);
}
void hoso_xmlFreeDoc(xmlDocPtr doc) { api.free_doc(doc); }
xmlNodePtr hoso_xmlDocGetRootElement(const xmlDoc *doc) { return api.root_element(doc); }
long hoso_xmlGetLineNo(const xmlNode *node) { return api.line_number(node); }
xmlChar *hoso_xmlGetProp(const xmlNode *node, const xmlChar *name) { return api.get_prop(node, name); }
xmlChar *hoso_xmlNodeGetContent(const xmlNode *node) { return api.node_content(node); }
xmlSchemaParserCtxtPtr hoso_xmlSchemaNewMemParserCtxt(const char *buffer, int size) { return api.schema_new_parser(buffer, size); }
void hoso_xmlSchemaFreeParserCtxt(xmlSchemaParserCtxtPtr ctxt) { api.schema_free_parser(ctxt); }
void hoso_xmlSchemaSetParserStructuredErrors(xmlSchemaParserCtxtPtr ctxt, xmlStructuredErrorFunc handler, void *ctx) {
    api.schema_parser_errors(ctxt, handler, ctx);
}
xmlSchemaPtr hoso_xmlSchemaParse(xmlSchemaParserCtxtPtr ctxt) { return api.schema_parse(ctxt); }
void hoso_xmlSchemaFree(xmlSchemaPtr schema) { api.schema_free(schema); }
xmlSchemaValidCtxtPtr hoso_xmlSchemaNewValidCtxt(xmlSchemaPtr schema) { return api.schema_new_valid(schema); }
void hoso_xmlSchemaFreeValidCtxt(xmlSchemaValidCtxtPtr ctxt) { api.schema_free_valid(ctxt); }
void hoso_xmlSchemaSetValidStructuredErrors(xmlSchemaValidCtxtPtr ctxt, xmlStructuredErrorFunc handler, void *ctx) {
    api.schema_valid_errors(ctxt, handler, ctx);
}
int hoso_xmlSchemaValidateDoc(xmlSchemaValidCtxtPtr ctxt, xmlDocPtr doc) { return api.schema_validate_doc(ctxt, doc); }
