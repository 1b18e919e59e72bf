package io.stevedore.registry.distribution;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;

/**
 * Keeps every answer to a {@code /v2/} request in the distribution spec's error JSON where the
 * {@link DistributionServlet} never sees the request:
 * <ul>
 *   <li>a path that starts with {@code /v2/} but that the container resolved elsewhere: dot
 *       segments, plain or percent-encoded ({@code /v2/%2e%2e/api/v1/…}), which would otherwise
 *       reach Spring's handlers and answer with their own 404 (or another endpoint's content);</li>
 *   <li>errors Tomcat raises before any servlet (a TRACE, for one) and forwards to the error page,
 *       whose body would otherwise be Spring Boot's.</li>
 * </ul>
 */
class V2PathGuard extends HttpFilter {
    static final String DISTRIBUTION_SERVLET = "distribution";

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getDispatcherType() == DispatcherType.ERROR) {
            errorPage(request, response, chain);
            return;
        }
        if (isV2(request.getRequestURI(), request.getContextPath())
                && !DISTRIBUTION_SERVLET.equals(request.getHttpServletMapping().getServletName())) {
            DistributionServlet.writeError(response, 400, ErrorCode.NAME_INVALID,
                    "'.' and '..' path segments are not allowed in the distribution API", null, Map.of());
            return;
        }
        chain.doFilter(request, response);
    }

    /** The error page dispatch of a failed {@code /v2/} request, answered here instead of by Spring. */
    private static void errorPage(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        if (!(uri instanceof String original) || !isV2(original, request.getContextPath())) {
            chain.doFilter(request, response);
            return;
        }
        Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int code = status instanceof Integer i && i >= 400 ? i : 500;
        ErrorCode error = ErrorCode.forStatus(code);
        DistributionServlet.writeError(response, code, error, error.message(), null, Map.of());
    }

    private static boolean isV2(String uri, String contextPath) {
        String path = uri.substring(Math.min(contextPath.length(), uri.length()));
        return path.equals("/v2") || path.startsWith("/v2/");
    }
}
