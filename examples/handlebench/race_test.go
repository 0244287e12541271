//go:build unix && race

package main

// raceEnabled says the race detector is on: it doubles the stack guard.
const raceEnabled = true
