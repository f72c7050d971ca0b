"""pysandbox learn --append: the network and scope rules of an earlier output
merged with a new run's (the file rules are fsrules', tested there)."""
import pytest

from pysandbox.cli import learn


def test_previous_net_reads_env_and_policy_lines():
    env = "# x\nSANDBOX_FS_READ=/etc\nSANDBOX_NET_CONNECT=443:8000-8080\nSANDBOX_SCOPE=signal\n"
    assert learn.previous_net(env) == {"SANDBOX_NET_CONNECT": "443:8000-8080",
                                       "SANDBOX_SCOPE": "signal"}
    policy = "fs-read /etc\nnet-bind 0\nnet udp\nallow read\n"
    assert learn.previous_net(policy) == {"SANDBOX_NET_BIND": "0", "SANDBOX_NET": "udp"}


@pytest.mark.parametrize("old,new,merged", [
    ({}, {"SANDBOX_NET": "none"}, {"SANDBOX_NET": "none"}),
    ({"SANDBOX_NET_CONNECT": "443"}, {"SANDBOX_NET": "none"}, {"SANDBOX_NET_CONNECT": "443"}),
    ({"SANDBOX_NET_CONNECT": "8000-8080:443"}, {"SANDBOX_NET_CONNECT": "22"},
     {"SANDBOX_NET_CONNECT": "22:443:8000-8080"}),
    ({"SANDBOX_NET": "udp"}, {"SANDBOX_NET": "netlink", "SANDBOX_NET_BIND": "0"},
     {"SANDBOX_NET": "netlink:udp", "SANDBOX_NET_BIND": "0"}),
    ({"SANDBOX_NET": "none"}, {"SANDBOX_NET": "none"}, {"SANDBOX_NET": "none"}),
    ({"SANDBOX_NET": "none", "SANDBOX_SCOPE": "signal"}, {"SANDBOX_NET": "none"},
     {"SANDBOX_NET": "none", "SANDBOX_SCOPE": "signal"}),
    ({"SANDBOX_NET": "none", "SANDBOX_SCOPE": "signal"},
     {"SANDBOX_NET": "none", "SANDBOX_SCOPE": "abstract-unix"},
     {"SANDBOX_NET": "none", "SANDBOX_SCOPE": "none"}),
])
def test_merge_is_what_both_runs_need(old, new, merged):
    assert learn.merge_net(old, new) == merged
