for ns in red blue; do
  ip netns add "$ns"
done
