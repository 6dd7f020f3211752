#include "hoso_curl.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

// The few libcurl entry points used, resolved from the loaded library.
static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_reset)(CURL *);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void load(void) {
    // The soname of Debian's OpenSSL flavour, then its GnuTLS one.
    const char *names[] = { "libcurl.so.4", "libcurl-gnutls.so.4" };
    char why[2][200] = { "", "" };
    void *lib = NULL;
    for (size_t i = 0; i < 2 && lib == NULL; i++) {
        lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (lib == NULL) snprintf(why[i], sizeof why[i], "%s", dlerror());
    }
    if (lib == NULL) {
        snprintf(load_error, sizeof load_error, "libcurl, which S3 needs, could not be loaded (%s; %s); install it (apt-get install libcurl4)", why[0], why[1]);
        return;
    }
#define RESOLVE(field, symbol) \
    if ((*(void **)&api.field = dlsym(lib, symbol)) == NULL) { \
        snprintf(load_error, sizeof load_error, "libcurl lacks %s", symbol); return; }
    RESOLVE(global_init, "curl_global_init")
    RESOLVE(easy_init, "curl_easy_init")
    RESOLVE(easy_setopt, "curl_easy_setopt")
    RESOLVE(easy_perform, "curl_easy_perform")
    RESOLVE(easy_getinfo, "curl_easy_getinfo")
    RESOLVE(easy_reset, "curl_easy_reset")
    RESOLVE(easy_cleanup, "curl_easy_cleanup")
    RESOLVE(easy_strerror, "curl_easy_strerror")
    RESOLVE(slist_append, "curl_slist_append")
    RESOLVE(slist_free_all, "curl_slist_free_all")
#undef RESOLVE
    // Not thread-safe: done once, here, before any handle exists.
    CURLcode rc = api.global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) snprintf(load_error, sizeof load_error, "libcurl failed to start: %s", api.easy_strerror(rc));
}

int hoso_curl_load(char *error, size_t error_size) {
    pthread_once(&once, load);
    if (load_error[0] == 0) return 0;
    snprintf(error, error_size, "%s", load_error);
    return -1;
}

void *hoso_curl_handle_new(void) { return api.easy_init(); }

void hoso_curl_handle_free(void *handle) { if (handle) api.easy_cleanup(handle); }

struct sink { hoso_curl_sink f; void *context; };

static size_t deliver(char *data, size_t size, size_t count, void *s) {
    struct sink *k = s;
    return k->f(data, size * count, k->context);
}

int hoso_curl_perform(void *handle, const char *method, const char *url,
                      const char *const *headers, size_t header_count,
                      const void *body, size_t body_length, int has_body,
                      long connect_timeout_ms, long idle_timeout_s, long total_timeout_ms,
                      hoso_curl_sink on_body, hoso_curl_sink on_header, void *context,
                      long *status, char *error, size_t error_size) {
    CURL *h = handle;
    api.easy_reset(h);      // options only: the connection cache stays
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) {
        struct curl_slist *next = api.slist_append(list, headers[i]);
        if (next == NULL) { api.slist_free_all(list); snprintf(error, error_size, "out of memory"); return -1; }
        list = next;
    }
    // No "Expect: 100-continue" round trip before a large body.
    struct curl_slist *next = api.slist_append(list, "Expect:");
    if (next) list = next;
    struct sink bodySink = { on_body, context }, headerSink = { on_header, context };
    char message[CURL_ERROR_SIZE] = { 0 };
    api.easy_setopt(h, CURLOPT_URL, url);
    api.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(h, CURLOPT_ERRORBUFFER, message);
    api.easy_setopt(h, CURLOPT_HTTPHEADER, list);
    api.easy_setopt(h, CURLOPT_WRITEFUNCTION, deliver);
    api.easy_setopt(h, CURLOPT_WRITEDATA, &bodySink);
    api.easy_setopt(h, CURLOPT_HEADERFUNCTION, deliver);
    api.easy_setopt(h, CURLOPT_HEADERDATA, &headerSink);
    api.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    // An answer that stalls (under a byte a second for idle_timeout_s) is abandoned.
    api.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    api.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, idle_timeout_s);
    api.easy_setopt(h, CURLOPT_TIMEOUT_MS, total_timeout_ms);
    if (strcmp(method, "HEAD") == 0) {
        api.easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (has_body) {
        // The body whole, with its length (some S3 services refuse chunked uploads).
        api.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
        api.easy_setopt(h, CURLOPT_POSTFIELDS, body_length ? body : "");
        api.easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        api.easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    CURLcode rc = api.easy_perform(h);
    if (rc == CURLE_OK) api.easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    else snprintf(error, error_size, "%s", message[0] ? message : api.easy_strerror(rc));
    // Nothing of this call (buffers on this stack, the caller's body) may stay in the handle.
    api.easy_reset(h);
    api.slist_free_all(list);
    return rc == CURLE_OK ? 0 : -1;
}
