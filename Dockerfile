# bridgebot's container image: Debian 12, built in one stage and run from a slim one as a non-root
# user, the SQLite store on a volume. Build and run:
#   docker build -t bridgebot .
#   docker run -d --env-file bridgebot.env -p 8080:8080 -v bridgebot-data:/var/lib/bridgebot bridgebot
# The configuration is config/bridgebot.example.yaml (every secret from the environment); mount your
# own at /etc/bridgebot/bridgebot.yaml to change routes.

FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config libboost1.81-dev libssl-dev rapidjson-dev \
      libyaml-cpp-dev libsqlite3-dev libcli11-dev libspdlog-dev libfmt-dev libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBRIDGEBOT_BUILD_TESTS=OFF \
 && cmake --build /build --target bridgebot \
 && cmake --install /build --prefix /usr/local

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates curl libssl3 libyaml-cpp0.7 libsqlite3-0 libpq5 libspdlog1.10 libfmt9 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/bridgebot --create-home \
      --shell /usr/sbin/nologin bridgebot
COPY --from=build /usr/local/bin/bridgebot /usr/local/bin/bridgebot
COPY config/bridgebot.example.yaml /etc/bridgebot/bridgebot.yaml
ENV BRIDGE_LISTEN=0.0.0.0:8080 \
    BRIDGE_STORE_URL=sqlite:/var/lib/bridgebot/bridgebot.db
WORKDIR /var/lib/bridgebot
VOLUME /var/lib/bridgebot
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/bridgebot"]
CMD ["run", "--config", "/etc/bridgebot/bridgebot.yaml"]
