"""Helpers the test modules share; tests/conftest.py puts tests/ on sys.path.

actions     seccomp return actions and their precedence
arches      AUDIT_ARCH values, the arches filters are built for, the x32 bit
filters     a policy compiled and asked: the one decide(), decisions() over many probes
probes      argument vectors at and around a parsed policy's conditions
libseccomp  libseccomp through pyseccomp: arch tokens, its names and numbers, its filters
oci         OCI profiles: builders, and the oracle that makes libseccomp's filter of one
            the way Docker and runc do
policies    random SECCOMP_* policies with argument conditions (hypothesis strategies)
proc        real processes: environments, run, spawn, building C, uid 65534
kit         the world-readable copies of what uid 65534 executes
"""
