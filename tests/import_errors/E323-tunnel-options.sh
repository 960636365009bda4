ip netns add red
ip -n red link set lo up
ip -n red link add name gre1 type gre remote 172.30.0.2 local 172.30.0.1 ikey 5 okey 6
ip -n red link add name gre2 type gre remote 172.30.0.2 local 172.30.0.1 tos inherit
ip -n red link add name gre3 type gre remote any local 172.30.0.1
