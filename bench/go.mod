module github.com/b4b0c547/caddy-instagram-auth/bench

go 1.26.0
