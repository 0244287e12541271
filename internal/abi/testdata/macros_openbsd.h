/*
 * The status macros of openbsd/src sys/sys/wait.h (rev 1.20, 2022-12-19),
 * restated for the host C compiler. Only the macros are given: the oracle
 * test applies them to every status word it checks.
 */
#define _W_INT(i)	(i)
#define _WSTATUS(x)	(_W_INT(x) & 0177)
#define _WSTOPPED	0177
#define _WCONTINUED	0177777
#define WCOREFLAG	0200

#define WIFSTOPPED(x)	((_W_INT(x) & 0xff) == _WSTOPPED)
#define WSTOPSIG(x)	(int)(((unsigned)_W_INT(x) >> 8) & 0xff)
#define WIFSIGNALED(x)	(_WSTATUS(x) != _WSTOPPED && _WSTATUS(x) != 0)
#define WTERMSIG(x)	(_WSTATUS(x))
#define WIFEXITED(x)	(_WSTATUS(x) == 0)
#define WEXITSTATUS(x)	(int)(((unsigned)_W_INT(x) >> 8) & 0xff)
#define WIFCONTINUED(x)	((_W_INT(x) & _WCONTINUED) == _WCONTINUED)
#define WCOREDUMP(x)	(_W_INT(x) & WCOREFLAG)
