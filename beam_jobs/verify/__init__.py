"""The verification stage of the judge route: running submissions on tests, contained.

`sandbox` is the only module of repairpack that executes mined or submitted code; `seccomp` builds
its system call filter; `compare` turns a run and an expected output into a verdict. All three are
pure Python without Beam, so the attack suite (tests/verify) runs them directly.
"""
