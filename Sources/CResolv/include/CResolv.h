#ifndef OPSH_CRESOLV_H
#define OPSH_CRESOLV_H

#include <stddef.h>

// What one reverse lookup gave:
// a name, written to `name`;
#define OPSH_PTR_NAME 1
// the resolver answered that the address has no name (NXDOMAIN, or no PTR record);
#define OPSH_PTR_NONE 0
// the resolver did not answer in time, or failed (SERVFAIL, refused).
#define OPSH_PTR_NO_ANSWER (-1)

/// Asks for the PTR record of `arpa_name` (`4.3.2.1.in-addr.arpa`) with glibc's resolver
/// (libresolv), blocking. The servers are /etc/resolv.conf's unless `server` (an IPv4
/// address) is given, with `port`. `timeout_seconds` (at least 1) and `attempts` cap what
/// resolv.conf says. On OPSH_PTR_NAME, `name` holds the name in presentation form (unusual
/// bytes escaped as \DDD), without the final dot.
int opsh_reverse_lookup(const char *arpa_name, const char *server, int port, int timeout_seconds, int attempts,
                        char *name, size_t name_size);

#endif
