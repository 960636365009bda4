ip netns add red
iptables -A FORWARD -s 10.0.0.0/24 -j DROP
iptables -t nat -A PREROUTING -p tcp --dport 8080 -j REDIRECT --to-ports 80
