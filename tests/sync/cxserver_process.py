"""The real cxserver for the Python end-to-end tests: started on a free port of
127.0.0.1, its URL read from its "listening on" line, its log in a file."""
import subprocess


def start_cxserver(server, db, config_dir, log_path):
    """Returns (process, url); raises RuntimeError when it does not start."""
    log = open(log_path, "w")
    process = subprocess.Popen([server, "serve", "--db", db, "--listen", "127.0.0.1:0",
                                "--config", config_dir],
                               stdout=subprocess.PIPE, stderr=log, text=True)
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise RuntimeError(f"cxserver did not start: {line!r}")
    return process, line.split("listening on ")[1].strip()
