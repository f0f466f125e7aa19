#include "CResolv.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

int opsh_reverse_lookup(const char *arpa_name, const char *server, int port, int timeout_seconds, int attempts,
                        char *name, size_t name_size) {
    struct __res_state state;
    memset(&state, 0, sizeof state);
    if (res_ninit(&state) != 0) return OPSH_PTR_NO_ANSWER;
    if (server != NULL) {
        struct sockaddr_in address;
        memset(&address, 0, sizeof address);
        address.sin_family = AF_INET;
        address.sin_port = htons((unsigned short)port);
        if (inet_pton(AF_INET, server, &address.sin_addr) != 1) {
            res_nclose(&state);
            return OPSH_PTR_NO_ANSWER;
        }
        state.nsaddr_list[0] = address;
        state.nscount = 1;
    }
    if (timeout_seconds > 0 && (state.retrans > timeout_seconds || state.retrans <= 0)) state.retrans = timeout_seconds;
    if (attempts > 0 && (state.retry > attempts || state.retry <= 0)) state.retry = attempts;
    // A reverse name is absolute: no search domains.
    state.options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES);

    unsigned char answer[4096];
    int length = res_nquery(&state, arpa_name, ns_c_in, ns_t_ptr, answer, sizeof answer);
    int h_error = state.res_h_errno;
    res_nclose(&state);
    if (length < 0) {
        return (h_error == HOST_NOT_FOUND || h_error == NO_DATA) ? OPSH_PTR_NONE : OPSH_PTR_NO_ANSWER;
    }
    ns_msg message;
    if (ns_initparse(answer, length, &message) != 0) return OPSH_PTR_NO_ANSWER;
    int count = ns_msg_count(message, ns_s_an);
    for (int i = 0; i < count; i++) {
        ns_rr record;
        if (ns_parserr(&message, ns_s_an, i, &record) != 0) return OPSH_PTR_NO_ANSWER;
        if (ns_rr_type(record) != ns_t_ptr) continue;
        if (dn_expand(ns_msg_base(message), ns_msg_end(message), ns_rr_rdata(record), name, (int)name_size) < 0) {
            return OPSH_PTR_NO_ANSWER;
        }
        size_t n = strlen(name);
        if (n > 0 && name[n - 1] == '.') name[n - 1] = '\0';
        return name[0] == '\0' ? OPSH_PTR_NONE : OPSH_PTR_NAME;
    }
    return OPSH_PTR_NONE;
}
