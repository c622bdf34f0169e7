# Stand-in for the official nginx image: Debian bookworm's nginx (1.22) and curl, an `nginx` user
# (uid 101), sites from /etc/nginx/conf.d, logs to the container's stdout/stderr.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends nginx curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* /var/www/html \
 && useradd --system --uid 101 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nginx \
 && mkdir -p /usr/share/nginx/html /etc/nginx/conf.d \
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log \
 && sed -i 's/^user .*/user nginx;/' /etc/nginx/nginx.conf
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
