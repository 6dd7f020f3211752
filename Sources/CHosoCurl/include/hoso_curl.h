// HTTP requests through libcurl, loaded with dlopen on first use: only the commands that talk
// to an S3 store pay for loading libcurl and the TLS, Kerberos and LDAP libraries it brings
// (about 7 ms at every start of every command when it was linked in).
#ifndef HOSO_CURL_H
#define HOSO_CURL_H

#include <stddef.h>

/// Receives a piece of a response's body or one header line; returns `length` to go on.
typedef size_t (*hoso_curl_sink)(const char *data, size_t length, void *context);

/// Loads libcurl once; 0 when it is usable, else -1 with a message in `error`.
int hoso_curl_load(char *error, size_t error_size);

/// A connection handle (keeps its connection alive between requests); NULL when out of memory.
void *hoso_curl_handle_new(void);
void hoso_curl_handle_free(void *handle);

/// One request on `handle`. `headers` are complete "Name: value" lines. A body, when
/// `has_body`, is sent whole with its length. Returns 0 with the HTTP status in `status`, or
/// -1 with libcurl's message in `error` (refused, reset, timed out, name not resolved).
int hoso_curl_perform(void *handle, const char *method, const char *url,
                      const char *const *headers, size_t header_count,
                      const void *body, size_t body_length, int has_body,
                      long connect_timeout_ms, long idle_timeout_s, long total_timeout_ms,
                      hoso_curl_sink on_body, hoso_curl_sink on_header, void *context,
                      long *status, char *error, size_t error_size);

#endif
