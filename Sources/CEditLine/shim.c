#define _XOPEN_SOURCE 700  // for wcwidth
#include "CEditLine.h"

#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <wchar.h>

EditLine *ceditline_init(const char *program) {
    return el_init(program, stdin, stdout, stderr);
}

FILE *ceditline_output(EditLine *el) {
    FILE *fp = NULL;
    return el_get(el, EL_GETFP, 1, &fp) == 0 ? fp : NULL;
}

int ceditline_set_prompt(EditLine *el, ceditline_prompt_fn fn, char ignore) {
    return el_set(el, EL_PROMPT_ESC, fn, ignore);
}

int ceditline_set_reader(EditLine *el, ceditline_read_fn fn) {
    return el_set(el, EL_GETCFN, fn);
}

int ceditline_refresh(EditLine *el) {
    return el_set(el, EL_REFRESH);
}

int ceditline_set_editor(EditLine *el, const char *mode) {
    return el_set(el, EL_EDITOR, mode);
}

const char *ceditline_editor(EditLine *el) {
    const char *mode = NULL;
    return el_get(el, EL_EDITOR, &mode) == 0 ? mode : NULL;
}

int ceditline_set_history(EditLine *el, History *h) {
    return el_set(el, EL_HIST, history, h);
}

int ceditline_add_function(EditLine *el, const char *name, const char *help, ceditline_editor_fn fn) {
    return el_set(el, EL_ADDFN, name, help, fn);
}

int ceditline_bind(EditLine *el, const char *key, const char *function) {
    return el_set(el, EL_BIND, key, function, (const char *)NULL);
}

int ceditline_bind_alternate(EditLine *el, const char *key, const char *function) {
    return el_set(el, EL_BIND, "-a", key, function, (const char *)NULL);
}

int ceditline_prepare_terminal(EditLine *el, int editing) {
    return el_set(el, EL_PREP_TERM, editing);
}

int ceditline_set_signal(EditLine *el, int on) {
    return el_set(el, EL_SIGNAL, on);
}

int ceditline_set_clientdata(EditLine *el, void *data) {
    return el_set(el, EL_CLIENTDATA, data);
}

void *ceditline_clientdata(EditLine *el) {
    void *data = NULL;
    return el_get(el, EL_CLIENTDATA, &data) == 0 ? data : NULL;
}

int ceditline_setty(EditLine *el, const char *which, const char *setting) {
    return el_set(el, EL_SETTY, which, setting, (const char *)NULL);
}

int ceditline_source(EditLine *el, const char *path) {
    return el_source(el, path);
}

int ceditline_history_setsize(History *h, int size) {
    HistEvent ev;
    return history(h, &ev, H_SETSIZE, size);
}

int ceditline_history_setunique(History *h, int on) {
    HistEvent ev;
    return history(h, &ev, H_SETUNIQUE, on);
}

int ceditline_history_enter(History *h, const char *line) {
    HistEvent ev;
    return history(h, &ev, H_ENTER, line);
}

int ceditline_history_load(History *h, const char *path) {
    HistEvent ev;
    return history(h, &ev, H_LOAD, path);
}

int ceditline_history_save(History *h, const char *path) {
    HistEvent ev;
    return history(h, &ev, H_SAVE, path);
}

int ceditline_history_clear(History *h) {
    HistEvent ev;
    return history(h, &ev, H_CLEAR);
}

const char *ceditline_history_oldest(History *h) {
    HistEvent ev;
    return history(h, &ev, H_LAST) == 0 ? ev.str : NULL;
}

const char *ceditline_history_newer(History *h) {
    HistEvent ev;
    return history(h, &ev, H_PREV) == 0 ? ev.str : NULL;
}

static volatile sig_atomic_t resized = 0;

static void note_resize(int signo) {
    (void)signo;
    resized = 1;
}

void ceditline_watch_resize(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = note_resize;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    sigaction(SIGWINCH, &action, NULL);
}

int ceditline_take_resize(void) {
    int was = resized;
    resized = 0;
    return was;
}

int ceditline_terminal_columns(int fd) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0) return ws.ws_col;
    return 0;
}

int ceditline_wcwidth(unsigned int scalar) {
    return wcwidth((wchar_t)scalar);
}
