package abi

// Unsupported is the table the root package compiles with on systems without
// the wait family (windows, plan9, js, wasip1, aix): the portable names exist
// so that code builds everywhere, and every call returns an error wrapping
// errors.ErrUnsupported. The values are Linux's, which is as good as any: no
// kernel ever sees them. ForOS does not return it.
var Unsupported = &OS{
	Name: "unsupported",
	Flags: []Const{
		{"WNOHANG", 0x1, "return at once when no child has a status to report", "library"},
		{"WUNTRACED", 0x2, "also report stopped children", "library"},
		{"WSTOPPED", 0x2, "report children stopped by a signal", "library"},
		{"WEXITED", 0x4, "report children that exited or were killed", "library"},
		{"WCONTINUED", 0x8, "report stopped children resumed by SIGCONT", "library"},
		{"WTRAPPED", 0x20, "report ptrace stops", "library"},
		{"WNOWAIT", 0x01000000, "leave the child waitable", "library"},
	},
	IDTypes: []Const{
		{"P_ALL", 0, "any child", "library"},
		{"P_PID", 1, "the child whose process ID is id", "library"},
		{"P_PGID", 2, "any child in process group id", "library"},
	},
	Codes:  cldCodes("library"),
	IDSize: 4, IDSigned: true,
	decode: func(raw uint32) Decoded { return decodeWith(LinuxStatus(raw)) },
}

// unsupportedBuild is the build constraint of the unsupported table's file.
const unsupportedBuild = "aix || hurd || !unix"
