#!/usr/bin/env python3
"""Runs the system test cases: every test_* function of every test_*.py here.

    runtests.py [NAME...]

Each NAME selects the cases whose "module.function" name contains it (for
example test_skeleton, or test_skeleton.test_publish_delivers_signed); with
several, a case runs when any selects it. Prints
"PASS: module.function" or "FAIL: module.function" with the traceback, then
"N passed, N failed". Exit status 1 when a case failed or none ran.
A module may define setup_module() / teardown_module(). Each case has a time
limit of HL_TEST_TIMEOUT seconds (default 180).

HL_CLAIMS=DIR (set by tests/system/run for HL_SYSTEM_JOBS > 1): several of
these run at once, each on its own stack; a module runs in the one that
first makes the directory DIR/module, so each runs once in all, and no
case here is then not an error.

HL_SYSTEM_SHUFFLE=SEED runs the files in an order shuffled by SEED (the
same seed, the same order): no case may depend on what ran before it.
"""

import importlib
import inspect
import os
import random
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

TIMEOUT = int(os.environ.get("HL_TEST_TIMEOUT", "180"))
CLAIMS = os.environ.get("HL_CLAIMS")


class CaseTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CaseTimeout("case exceeded %d s" % TIMEOUT)


def result(line):
    """A case's PASS/FAIL line, printed, and appended to HL_CASE_LOG when
    set (scripts/check counts the cases of make distcheck's run there:
    its build tree, and this output, is gone when it passes)."""
    print(line)
    path = os.environ.get("HL_CASE_LOG")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def claim(modname):
    """True when this process runs modname (always, unless HL_CLAIMS)."""
    if not CLAIMS:
        return True
    try:
        os.mkdir(os.path.join(CLAIMS, modname))
    except FileExistsError:
        return False
    return True


# The files that take longest, longest first (measured in the sanitizer
# build, where the login and dashboard cases' password hashing and page
# rendering weigh most): they start first, so that with several stacks
# the last file to start is a short one and the stacks end together. In
# name order test_users_login, the second longest, started near the end
# and kept one stack busy for minutes after the other had run dry.
LONGEST_FIRST = ("test_dashboard", "test_users_login", "test_db_outage", "test_memcheck",
                 "test_api_auth", "test_analytics_scale", "test_dashboard_incoming",
                 "test_runner_concurrency")


def discover():
    """The test files, the longest first (LONGEST_FIRST) and the rest in
    name order, or shuffled by HL_SYSTEM_SHUFFLE=seed: a case must not
    depend on what the files before it left behind, and a stack runs
    whichever files it claims, so try other orders too."""
    def rank(name):
        return (LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST), name)

    names = sorted((f[:-3] for f in os.listdir(HERE) if f.startswith("test_") and f.endswith(".py")),
                   key=rank)
    seed = os.environ.get("HL_SYSTEM_SHUFFLE")
    if seed:
        random.Random(seed).shuffle(names)
        print("test files in the order of HL_SYSTEM_SHUFFLE=%s" % seed)
    return names


def main(argv):
    selectors = argv[1:]
    passed = failed = 0
    signal.signal(signal.SIGALRM, _alarm)
    for modname in discover():
        try:
            mod = importlib.import_module(modname)
        except Exception:
            if (not selectors or any(s in modname or modname.startswith(s.split(".")[0])
                                     for s in selectors)) and claim(modname):
                result("FAIL: %s (import)" % modname)
                traceback.print_exc(file=sys.stdout)
                failed += 1
            continue
        cases = [(name, fn) for name, fn in vars(mod).items()
                 if name.startswith("test_") and inspect.isfunction(fn) and fn.__module__ == modname]
        cases.sort(key=lambda c: c[1].__code__.co_firstlineno)
        cases = [c for c in cases
                 if not selectors or any(s in "%s.%s" % (modname, c[0]) for s in selectors)]
        if not cases:
            continue
        if not claim(modname):
            continue
        setup_error = None
        if hasattr(mod, "setup_module"):
            try:
                mod.setup_module()
            except Exception:
                setup_error = traceback.format_exc()
        for name, fn in cases:
            full = "%s.%s" % (modname, name)
            if setup_error:
                result("FAIL: %s (setup_module)" % full)
                print(setup_error, end="")
                failed += 1
                continue
            start = time.time()
            signal.alarm(TIMEOUT)
            try:
                fn()
            except BaseException as e:
                signal.alarm(0)
                if isinstance(e, KeyboardInterrupt):
                    raise
                result("FAIL: %s (%.1fs)" % (full, time.time() - start))
                traceback.print_exc(file=sys.stdout)
                failed += 1
            else:
                signal.alarm(0)
                result("PASS: %s (%.1fs)" % (full, time.time() - start))
                passed += 1
            sys.stdout.flush()
        if hasattr(mod, "teardown_module"):
            try:
                mod.teardown_module()
            except Exception:
                print("warning: %s.teardown_module failed" % modname)
                traceback.print_exc(file=sys.stdout)
    if passed + failed == 0 and not CLAIMS:
        print("no test case matched %s" % " ".join(selectors) if selectors else "no test case found")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or (passed + failed == 0 and not CLAIMS) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
