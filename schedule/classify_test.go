package schedule

import (
	"errors"
	"net"
	"syscall"
)

var netOpError = net.OpError{Op: "dial", Net: "tcp", Err: errors.Join(syscall.ECONNREFUSED)}
