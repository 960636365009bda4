NS=red
ip netns add "$NS"
ip netns add "$OTHER"
ip -n red addr add $(cat /tmp/addr) dev lo
