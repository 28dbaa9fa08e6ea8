//! The connection setters every product's session builder shares.

/// Adds `ca_pem`, `http_options`, `danger_accept_invalid_certs`, `allow_insecure_http`, `clock`
/// and `session_options`
/// to a product's session builder; the builder must have the fields
/// `http: Result<HttpOptions>` and `options: SessionOptions`.
///
/// Invoke it inside the builder's `impl` block: `restpoint_session::connection_setters!();`
#[macro_export]
macro_rules! connection_setters {
    () => {
        /// Trusts this CA (PEM) in addition to the system roots.
        pub fn ca_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
            self.http = self.http.and_then(|h| h.ca_pem(pem));
            self
        }

        /// Replaces the HTTP options (TLS, timeouts).
        pub fn http_options(mut self, options: $crate::HttpOptions) -> Self {
            self.http = Ok(options);
            self
        }

        /// Accepts any server certificate (logged as a warning). For labs only.
        pub fn danger_accept_invalid_certs(mut self, insecure: bool) -> Self {
            self.http = self.http.map(|h| h.danger_accept_invalid_certs(insecure));
            self
        }

        /// Allows a plain `http://` base URL (refused by default; logged as a warning when
        /// used). Set it after `http_options`, which replaces the HTTP options.
        pub fn allow_insecure_http(mut self) -> Self {
            self.http = self.http.map(|h| h.allow_insecure_http(true));
            self
        }

        /// The clock expiries, idle timeouts and keep-alives run on (a `ManualClock` in tests).
        pub fn clock(mut self, clock: $crate::SharedClock) -> Self {
            self.options = self.options.clock(clock);
            self
        }

        /// Replaces the session options (clock, expiry margin, keep-alive, retries).
        pub fn session_options(mut self, options: $crate::SessionOptions) -> Self {
            self.options = options;
            self
        }
    };
}
