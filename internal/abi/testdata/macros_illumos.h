/*
 * The status macros of illumos/illumos-gate usr/src/uts/common/sys/wait.h
 * (shared by Solaris), restated for the host C compiler.
 */
#define WSTOPFLG	0177
#define WCONTFLG	0177777
#define WCOREFLG	0200
#define WSIGMASK	0177

#define WLOBYTE(stat)	((int)((stat) & 0377))
#define WHIBYTE(stat)	((int)(((stat) >> 8) & 0377))
#define WWORD(stat)	((int)((stat)) & 0177777)

#define WIFEXITED(stat)		(WLOBYTE(stat) == 0)
#define WIFSIGNALED(stat)	(WLOBYTE(stat) > 0 && WHIBYTE(stat) == 0)
#define WIFSTOPPED(stat)	(WLOBYTE(stat) == WSTOPFLG && WHIBYTE(stat) != 0)
#define WIFCONTINUED(stat)	(WWORD(stat) == WCONTFLG)

#define WEXITSTATUS(stat)	WHIBYTE(stat)
#define WTERMSIG(stat)		(WLOBYTE(stat) & WSIGMASK)
#define WSTOPSIG(stat)		WHIBYTE(stat)
#define WCOREDUMP(stat)		((stat) & WCOREFLG)
