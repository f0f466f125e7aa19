"""gunicorn for the differential tests: a free loopback port (logged as "Listening at: URL"),
two workers of four threads, no control socket, and an end when the test run that started it
ends, however it ends (a watcher thread in the master sees its parent change)."""
import os
import signal
import threading
import time

bind = "127.0.0.1:0"
workers = 2
threads = 4
control_socket_disable = True
errorlog = "-"
loglevel = "info"


def on_starting(server):
    # A test process may start us with signals blocked (its threads block them, and the mask is
    # inherited): gunicorn's SIGTERM handler would never run.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def when_ready(server):
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()
