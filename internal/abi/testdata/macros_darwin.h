/*
 * The status macros of apple-oss-distributions/xnu bsd/sys/wait.h as a
 * default (UNIX03, _DARWIN_C_SOURCE) build sees them, restated for the host
 * C compiler. _W_INT takes an int here, as the oracle passes one.
 */
#define _W_INT(i)	(i)
#define WCOREFLAG	0200
#define _WSTATUS(x)	(_W_INT(x) & 0177)
#define _WSTOPPED	0177

#define WEXITSTATUS(x)	((_W_INT(x) >> 8) & 0x000000ff)
#define WSTOPSIG(x)	(_W_INT(x) >> 8)
#define WIFCONTINUED(x)	(_WSTATUS(x) == _WSTOPPED && WSTOPSIG(x) == 0x13)
#define WIFSTOPPED(x)	(_WSTATUS(x) == _WSTOPPED && WSTOPSIG(x) != 0x13)
#define WIFEXITED(x)	(_WSTATUS(x) == 0)
#define WIFSIGNALED(x)	(_WSTATUS(x) != _WSTOPPED && _WSTATUS(x) != 0)
#define WTERMSIG(x)	(_WSTATUS(x))
#define WCOREDUMP(x)	(_W_INT(x) & WCOREFLAG)
