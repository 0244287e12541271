package abi

import "encoding/binary"

// Order is the byte order of a buffer to decode. It is a plain bool rather
// than a binary.ByteOrder: through that interface the buffer would escape to
// the heap, and every wait call would allocate. The decoders read native
// words, one load each, and reverse the bytes afterwards only when o is not
// Native; they allocate nothing.
type Order bool

// The two byte orders.
const (
	LittleEndian Order = false
	BigEndian    Order = true
)

// Native is the byte order of the machine this program runs on, found
// without build tags by reading a known value.
var Native = Order(binary.NativeEndian.Uint16([]byte{0, 1}) == 1)

// String returns "LittleEndian" or "BigEndian", as binary.ByteOrder does.
func (o Order) String() string { return o.ByteOrder().String() }

// ByteOrder returns the encoding/binary order, for code off the hot path
// (the encoders and the tests).
func (o Order) ByteOrder() binary.ByteOrder {
	if o == BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// nativeInt reads a signed C integer of size 4 or 8 bytes in the host's
// byte order, sign-extending a 4-byte one. binary.NativeEndian is a concrete
// type: each read is one load.
func nativeInt(b []byte, size int) int64 {
	if size == 8 {
		return int64(binary.NativeEndian.Uint64(b))
	}
	return int64(int32(binary.NativeEndian.Uint32(b)))
}

// putInt writes v as a C integer of size 4 or 8 bytes (truncating to 4).
func (o Order) putInt(b []byte, size int, v int64) {
	if size == 8 {
		o.ByteOrder().PutUint64(b, uint64(v))
		return
	}
	o.ByteOrder().PutUint32(b, uint32(v))
}
