# an ipvlan with a flag besides its mode (private): the lab's ipvlans take a mode only
ip netns add red
ip -n red link set lo up
ip link add link eth0 name ipv0 type ipvlan mode l2 private
