//go:build unix

package wait

import (
	"math"
	"testing"
)

// TestPlainAgreesWithCheck: plainOptions and plainPID, the inlined fast
// paths of Wait4, Waitid and Wait6, accept only what checkOptions and
// checkID accept, unchanged. Every single option bit, every pair of bits, and
// the edges of int and id_t are tried; a bit that hostOptions rewrites (Linux's
// WTRAPPED, Darwin's stop bits) wrongly left in hostPlainOptions fails here.
func TestPlainAgreesWithCheck(t *testing.T) {
	calls := []struct {
		name     string
		accepted uint32
	}{{"wait4", hostWait4Mask}, {"waitid", hostWaitidMask}, {"wait6", hostWaitidMask}}
	var cases []Options
	for i := range 32 {
		cases = append(cases, Options(uint32(1)<<i))
		for j := i + 1; j < 32; j++ {
			cases = append(cases, Options(uint32(1)<<i|uint32(1)<<j))
		}
	}
	w4, wi := hostWait4Mask, hostWaitidMask
	cases = append(cases, 0, -1, math.MinInt32, Options(w4), Options(wi))
	big := int64(math.MaxUint32) + 1 // a variable: on 32-bit int the conversions wrap
	if math.MaxInt > math.MaxUint32 {
		cases = append(cases, Options(big), Options(big|1))
	}
	fast := 0
	for _, c := range calls {
		for _, o := range cases {
			if !plainOptions(o, c.accepted) {
				continue
			}
			fast++
			got, err := checkOptions(c.name, o, c.accepted)
			if err != nil || got != uint32(o) {
				t.Errorf("%s: plainOptions(%#x) is true, but checkOptions gives %#x, %v", c.name, uint32(o), got, err)
			}
		}
	}
	if fast == 0 {
		t.Error("plainOptions accepted nothing: every call takes the slow path")
	}

	ids := []int{-1, 0, 1, math.MaxInt32}
	if math.MaxInt > math.MaxUint32 {
		ids = append(ids, int(big>>1), int(big-1), int(big))
	}
	for _, idtype := range []IDType{P_PID, P_ALL, P_PGID, IDType(-1), IDType(1000)} {
		for _, id := range ids {
			if !plainPID(idtype, id) {
				continue
			}
			if got, err := checkID("waitid", idtype, id); err != nil || got != id {
				t.Errorf("plainPID(%v, %d) is true, but checkID gives %d, %v", idtype, id, got, err)
			}
		}
	}
	if !plainPID(P_PID, 1) {
		t.Error("plainPID(P_PID, 1) is false: every call takes the slow path")
	}
}
