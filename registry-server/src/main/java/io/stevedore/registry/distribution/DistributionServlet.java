package io.stevedore.registry.distribution;

import io.stevedore.json.Json;
import io.stevedore.oci.InvalidDigestException;
import io.stevedore.oci.InvalidNameException;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.auth.AccessGate;
import io.stevedore.registry.auth.AccessRefused;
import io.stevedore.registry.auth.access.Caller;
import io.stevedore.registry.auth.access.Scope;
import io.stevedore.registry.outages.Outage;
import io.stevedore.registry.outages.Outages;
import io.stevedore.registry.usage.QuotaExceededException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.catalina.connector.ClientAbortException;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.ServerHttpObservationFilter;

/**
 * The {@code /v2/} API. Repository names span several path segments, which path-pattern routing
 * cannot split from what follows, so this servlet matches the spec's endpoint shapes itself, in a
 * fixed order, reports the matched template to the request metrics, and has the {@link AccessGate}
 * check each request against the actions its endpoint declares before any handler runs.
 */
public class DistributionServlet extends HttpServlet {
    private static final Logger log = LoggerFactory.getLogger(DistributionServlet.class);

    interface Handler {
        void handle(Exchange exchange) throws IOException;
    }

    /**
     * What one method of a route needs on the named repository, and what handles it. Writing
     * needs pull as well as push (a push reads what is there, as CNCF Distribution has it), and
     * the whole upload session, including its status and cancellation, belongs to pushing.
     */
    private record Endpoint(Set<String> actions, Handler handler) {
    }

    /** One endpoint shape: the template metrics show, its pattern, and an endpoint per method. */
    private record Route(String template, Pattern pattern, Map<String, Endpoint> methods) {
    }

    private final List<Route> routes;
    private final AccessGate gate;
    private final PullThrough pullThrough;

    public DistributionServlet(BlobHandler blobs, UploadHandler uploads, ManifestHandler manifests,
                               ListingHandler listings, ReferrersHandler referrers, AccessGate gate,
                               PullThrough pullThrough) {
        this.gate = gate;
        this.pullThrough = pullThrough;
        this.routes = List.of(
                route("/v2/_catalog", "_catalog", Map.of("GET", pull(listings::catalog))),
                route("/v2/{name}/blobs/uploads/", "(.+)/blobs/uploads/?", Map.of("POST", push(uploads::start))),
                route("/v2/{name}/blobs/uploads/{uuid}", "(.+)/blobs/uploads/([^/]+)", Map.of(
                        "PATCH", push(uploads::patch), "PUT", push(uploads::put), "GET", push(uploads::status),
                        "DELETE", push(uploads::cancel))),
                route("/v2/{name}/blobs/{digest}", "(.+)/blobs/([^/]+)", Map.of(
                        "GET", pull(x -> blobs.get(x, false)), "HEAD", pull(x -> blobs.get(x, true)),
                        "DELETE", delete(blobs::delete))),
                route("/v2/{name}/manifests/{reference}", "(.+)/manifests/([^/]+)", Map.of(
                        "GET", pull(x -> manifests.get(x, false)), "HEAD", pull(x -> manifests.get(x, true)),
                        "PUT", push(manifests::put), "DELETE", delete(manifests::delete))),
                route("/v2/{name}/tags/list", "(.+)/tags/list", Map.of("GET", pull(listings::tags))),
                route("/v2/{name}/referrers/{digest}", "(.+)/referrers/([^/]+)", Map.of("GET", pull(referrers::get))));
    }

    private static Route route(String template, String regex, Map<String, Endpoint> methods) {
        return new Route(template, Pattern.compile(regex), methods);
    }

    private static Endpoint pull(Handler handler) {
        return new Endpoint(Set.of(Scope.PULL), handler);
    }

    private static Endpoint push(Handler handler) {
        return new Endpoint(Set.of(Scope.PULL, Scope.PUSH), handler);
    }

    private static Endpoint delete(Handler handler) {
        return new Endpoint(Set.of(Scope.DELETE), handler);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Docker-Distribution-API-Version", "registry/2.0");
        try {
            String path = rawPath(request);
            if (path == null || path.equals("/")) {
                observe(request, "/v2/");
                base(request, response);
                return;
            }
            dispatch(request, response, path.substring(1));
        } catch (AccessRefused e) {
            ErrorCode code = switch (e.kind()) {
                case UNAUTHORIZED -> ErrorCode.UNAUTHORIZED;
                case DENIED -> ErrorCode.DENIED;
                case TOO_MANY_REQUESTS -> ErrorCode.TOOMANYREQUESTS;
            };
            writeError(response, code.status(), code, e.getMessage(), e.detail(), e.headers());
        } catch (RegistryException e) {
            writeError(response, e.status(), e.code(), e.getMessage(), e.detail(), e.headers());
        } catch (QuotaExceededException e) {
            writeError(response, 403, ErrorCode.DENIED, e.getMessage(), e.detail(), Map.of());
        } catch (InvalidNameException e) {
            writeError(response, 400, ErrorCode.NAME_INVALID, e.getMessage(), null, Map.of());
        } catch (InvalidDigestException e) {
            writeError(response, 400, ErrorCode.DIGEST_INVALID, e.getMessage(), null, Map.of());
        } catch (InvalidParameterException e) {
            // Tomcat parses the query string on the first parameter read and fails on bad escapes
            writeError(response, 400, ErrorCode.UNSUPPORTED, "malformed query string", null, Map.of());
        } catch (ClientAbortException e) {
            log.debug("client went away: {} {}", request.getMethod(), request.getRequestURI());
        } catch (RuntimeException | IOException e) {
            Optional<Outage> outage = Outages.of(e);
            if (response.isCommitted()) {
                brokeOff(request, outage, e);
                return;
            }
            if (outage.isPresent()) {
                log.warn("{} {} failed: {}", request.getMethod(), request.getRequestURI(), e.toString());
                writeError(response, outage.get().status(), ErrorCode.UNAVAILABLE, outage.get().message(), null,
                        outage.get().headers());
                return;
            }
            log.error("{} {} failed", request.getMethod(), request.getRequestURI(), e);
            writeError(response, 500, ErrorCode.UNKNOWN, "internal error; the registry log has the details",
                    null, Map.of());
        }
    }

    /**
     * The path after {@code /v2}, percent-decoded but not normalised: the container's path info
     * resolves {@code spec/../x} to {@code x} and folds {@code a//b}, which would act on another
     * repository than the one named. Unnormalised, such names fail the name grammar instead.
     */
    private static String rawPath(HttpServletRequest request) {
        String uri = request.getRequestURI().substring(request.getContextPath().length());
        if (!uri.startsWith("/v2")) {
            return null;
        }
        String rest = uri.substring(3);
        if (rest.isEmpty()) {
            return null;
        }
        try {
            return URLDecoder.decode(rest.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "malformed percent-encoding in the path");
        }
    }

    private void dispatch(HttpServletRequest request, HttpServletResponse response, String path) throws IOException {
        for (Route route : routes) {
            Matcher m = route.pattern().matcher(path);
            if (!m.matches()) {
                continue;
            }
            observe(request, route.template());
            Endpoint endpoint = route.methods().get(request.getMethod());
            if (endpoint == null) {
                response.setHeader("Allow", String.join(", ", route.methods().keySet()));
                throw new RegistryException(ErrorCode.UNSUPPORTED, 405,
                        request.getMethod() + " is not supported on " + route.template(), null, Map.of());
            }
            RepositoryName name = m.groupCount() >= 1 ? RepositoryName.of(m.group(1)) : null;
            String reference = m.groupCount() >= 2 ? m.group(2) : null;
            // The only route without a repository is the catalog.
            Scope required = name == null ? Scope.catalog()
                    : new Scope(Scope.REPOSITORY, name.value(), endpoint.actions());
            Caller caller = gate.admit(request, required, mountSource(request, name));
            if (endpoint.actions().contains(Scope.PUSH) && pullThrough.proxies(name)) {
                throw new RegistryException(ErrorCode.DENIED, name + " is in a pull-through cache namespace, which"
                        + " only mirrors its upstream: pushes are refused (push to a namespace of your own)");
            }
            endpoint.handler().handle(new Exchange(request, response, name, reference, caller));
            return;
        }
        observe(request, "/v2/**");
        throw new RegistryException(ErrorCode.UNSUPPORTED, 404, "no such endpoint in the distribution API",
                null, Map.of());
    }

    /**
     * Pull on the {@code from} repository of a cross-repository mount ({@code POST
     * …/blobs/uploads/?mount=&from=}), for the challenge; none for any other request.
     */
    private static List<Scope> mountSource(HttpServletRequest request, RepositoryName target) {
        if (!request.getMethod().equals("POST") || request.getParameter("mount") == null) {
            return List.of();
        }
        String from = request.getParameter("from");
        if (from == null || from.isEmpty() || target == null || from.equals(target.value())) {
            return List.of();
        }
        try {
            return List.of(Scope.repository(RepositoryName.of(from).value(), Scope.PULL));
        } catch (InvalidNameException e) {
            return List.of(); // an unusable source means no mount, not an error
        }
    }

    /** {@code /v2/}: 200 to any caller the registry knows, which is how clients test their credentials. */
    private void base(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD")) {
            throw new RegistryException(ErrorCode.UNSUPPORTED, 405, "only GET and HEAD on /v2/", null, Map.of());
        }
        gate.admit(request, null);
        response.setStatus(200);
        response.setContentType("application/json");
        response.setContentLength(2);
        if (request.getMethod().equals("GET")) {
            response.getOutputStream().write("{}".getBytes());
        }
    }

    /**
     * A response that failed after it started (storage breaking off a blob download): too late
     * for an error answer, so the connection is closed at once ({@link OciErrorReportValve}) and
     * the client sees a transfer cut short, never a body that looks complete; logged once.
     */
    private static void brokeOff(HttpServletRequest request, Optional<Outage> outage, Exception e) {
        request.setAttribute(OciErrorReportValve.CLOSE_CONNECTION, Boolean.TRUE);
        if (outage.isPresent()) {
            log.warn("{} {} broke off after the response started: {}", request.getMethod(), request.getRequestURI(),
                    e.toString());
        } else {
            log.error("{} {} broke off after the response started", request.getMethod(), request.getRequestURI(), e);
        }
    }

    /** Tags the request's metrics with the route template instead of the raw path. */
    private static void observe(HttpServletRequest request, String template) {
        ServerHttpObservationFilter.findObservationContext(request).ifPresent(c -> c.setPathPattern(template));
    }

    static void writeError(HttpServletResponse response, int status, ErrorCode code, String message, Object detail,
                           Map<String, String> headers) throws IOException {
        if (response.isCommitted()) {
            log.warn("cannot report {} after the response started: {}", code, message);
            return;
        }
        response.reset();
        response.setHeader("Docker-Distribution-API-Version", "registry/2.0");
        headers.forEach(response::setHeader);
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code.name());
        error.put("message", message == null ? code.message() : message);
        if (detail != null) {
            error.put("detail", detail);
        }
        byte[] body = Json.MAPPER.writeValueAsBytes(Map.of("errors", List.of(error)));
        response.setStatus(status);
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
