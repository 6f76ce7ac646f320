package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress shows that a step longer than a second is still running: on a
// terminal, a line on standard error with the elapsed seconds, redrawn
// every second and erased when the step ends; elsewhere (a pipe, CI, a
// test) nothing, so that output stays clean for programs.
func progress(stderr io.Writer, what string) (stop func()) {
	f, ok := stderr.(*os.File)
	if !ok || !isTerminal(f) || os.Getenv("CI") != "" {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(f, "\r\033[K")
				return
			case <-tick.C:
				fmt.Fprintf(f, "\r\033[K%s ... %ds", what, int(time.Since(start).Seconds()))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// isTerminal: a character device, which a terminal is and a pipe or a
// file is not.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
