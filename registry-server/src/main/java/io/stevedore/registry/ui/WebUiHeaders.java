package io.stevedore.registry.ui;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Security and cache headers for the Web UI's static files (index.html and /ui/*, served by
 * Spring's static resource handler from classpath:/static). The API routes keep their own headers.
 * The policy allows scripts and styles from this origin only (the UI has no inline script or
 * style, so an injected one does not run), no framing (clickjacking), no MIME sniffing.
 * Assets are revalidated on every load (no-cache + Last-Modified), so an upgrade is picked up at
 * once while an unchanged file costs a 304.
 */
@Component
class WebUiHeaders extends OncePerRequestFilter {
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";
    private static final List<String> API_PREFIXES = List.of("/v2/", "/v2", "/api/", "/auth/", "/actuator");

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return API_PREFIXES.stream().anyMatch(path::startsWith);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Cache-Control", "no-cache");
        chain.doFilter(request, response);
    }
}
