ip netns add red
docker run --rm -d alpine
