// Non-variadic wrappers around libedit's variadic el_set / el_get / history calls,
// which Swift cannot call. Each wrapper passes exactly the arguments its operation
// documents in <histedit.h>, so the variadic call is type-correct.
#pragma once

#include <histedit.h>

/// A prompt callback: returns the prompt text (owned by the caller's object).
typedef char *_Nullable (*ceditline_prompt_fn)(EditLine *_Nonnull el);
/// A user-defined editor function bound to keys (EL_ADDFN); returns a CC_* code.
typedef unsigned char (*ceditline_editor_fn)(EditLine *_Nonnull el, int ch);

// MARK: Editing

/// el_init on the standard streams (Swift 6 can't touch the C globals stdin/stdout).
EditLine *_Nullable ceditline_init(const char *_Nonnull program);
/// EL_GETFP 1: the stream libedit writes to, for output that must interleave with it.
FILE *_Nullable ceditline_output(EditLine *_Nonnull el);

/// EL_PROMPT_ESC: the prompt, where text between two `ignore` characters takes no
/// columns (ANSI colour codes), so libedit measures the prompt width right.
int ceditline_set_prompt(EditLine *_Nonnull el, ceditline_prompt_fn _Nonnull fn, char ignore);
/// A character reader (EL_GETCFN): stores one character in `*ch`; returns 1, 0 at end of
/// input, -1 on error.
typedef int (*ceditline_read_fn)(EditLine *_Nonnull el, wchar_t *_Nonnull ch);
/// EL_GETCFN: libedit reads keys through `fn` (called after it has drawn the line).
int ceditline_set_reader(EditLine *_Nonnull el, ceditline_read_fn _Nonnull fn);
/// EL_REFRESH: draws the prompt and the line again.
int ceditline_refresh(EditLine *_Nonnull el);
/// EL_EDITOR: "emacs" or "vi".
int ceditline_set_editor(EditLine *_Nonnull el, const char *_Nonnull mode);
/// EL_EDITOR (get): the current key map, "emacs" or "vi".
const char *_Nullable ceditline_editor(EditLine *_Nonnull el);
/// EL_HIST: use `h` (the narrow `history` function) for up/down and searches.
int ceditline_set_history(EditLine *_Nonnull el, History *_Nonnull h);
/// EL_ADDFN: registers `fn` under `name`, so EL_BIND can bind keys to it.
int ceditline_add_function(EditLine *_Nonnull el, const char *_Nonnull name,
                           const char *_Nonnull help, ceditline_editor_fn _Nonnull fn);
/// EL_BIND: binds `key` (as `bind` in editrc spells it, e.g. "^I") to `function`.
int ceditline_bind(EditLine *_Nonnull el, const char *_Nonnull key, const char *_Nonnull function);
/// EL_BIND -a: the same in the alternate key map (vi command mode).
int ceditline_bind_alternate(EditLine *_Nonnull el, const char *_Nonnull key, const char *_Nonnull function);
/// EL_PREP_TERM: puts the terminal in editing mode (1) or back as it was (0).
/// el_gets alone switches only at its first read, after drawing the prompt, so keys
/// typed right after the prompt would meet a cooked terminal (echoed, ^D/^C taken by it).
int ceditline_prepare_terminal(EditLine *_Nonnull el, int editing);
/// EL_SIGNAL: whether libedit handles SIGWINCH/SIGTSTP/... itself during el_gets.
int ceditline_set_signal(EditLine *_Nonnull el, int on);
/// EL_CLIENTDATA: an opaque pointer callbacks read back with ceditline_clientdata.
int ceditline_set_clientdata(EditLine *_Nonnull el, void *_Nullable data);
void *_Nullable ceditline_clientdata(EditLine *_Nonnull el);
/// EL_SETTY with one mode, e.g. ("-d", "-isig"): `which` picks the mode set
/// ("-d" while editing, "-x" while executing), `setting` the flag to change.
int ceditline_setty(EditLine *_Nonnull el, const char *_Nonnull which, const char *_Nonnull setting);
/// el_source: reads `path`, or ~/.editrc (and $EDITRC) when `path` is NULL.
int ceditline_source(EditLine *_Nonnull el, const char *_Nullable path);

// MARK: History (the narrow, char-based API)

int ceditline_history_setsize(History *_Nonnull h, int size);
/// Whether consecutive duplicate entries are folded into one.
int ceditline_history_setunique(History *_Nonnull h, int on);
int ceditline_history_enter(History *_Nonnull h, const char *_Nonnull line);
int ceditline_history_load(History *_Nonnull h, const char *_Nonnull path);
int ceditline_history_save(History *_Nonnull h, const char *_Nonnull path);
int ceditline_history_clear(History *_Nonnull h);
/// H_LAST: the oldest entry (NULL when there is none); H_PREV then walks to newer ones.
const char *_Nullable ceditline_history_oldest(History *_Nonnull h);
/// H_PREV: the next newer entry after the one last returned, or NULL.
const char *_Nullable ceditline_history_newer(History *_Nonnull h);

// MARK: Terminal

/// The width of the terminal on `fd` in columns (ioctl TIOCGWINSZ), or 0 if unknown.
/// (ioctl is variadic too.)
int ceditline_terminal_columns(int fd);
/// Catches SIGWINCH (without SA_RESTART, so a waiting poll returns EINTR) into a flag that
/// `ceditline_take_resize` reads and clears. libedit's own handler, installed during
/// el_gets, passes the signal on to this one and is then gone until the next el_gets.
void ceditline_watch_resize(void);
/// Whether the terminal was resized since the last call.
int ceditline_take_resize(void);
/// wcwidth(3) of one Unicode scalar in the current locale: 2 for wide (CJK), 0 for
/// combining marks, -1 for non-printable. (Glibc hides wcwidth from Swift.)
int ceditline_wcwidth(unsigned int scalar);
