package io.stevedore.registry.distribution;

import jakarta.servlet.ServletException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

/**
 * Errors Tomcat answers itself, before any servlet runs (a malformed percent-escape or an encoded
 * slash in the path, oversized headers), get the distribution spec's JSON body too, not
 * Tomcat's HTML page. And a response that broke off after it started is ended by closing the
 * connection, not by finishing it as if complete. Installed as the host's error report valve by
 * {@link TomcatTuning}.
 */
public class OciErrorReportValve extends ErrorReportValve {
    /**
     * Request attribute: the body broke off under way. Returning normally would leave a keep-alive
     * client waiting for the promised bytes until its timeout; closing tells it at once.
     */
    static final String CLOSE_CONNECTION = OciErrorReportValve.class.getName() + ".closeConnection";

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        super.invoke(request, response);
        if (request.getAttribute(CLOSE_CONNECTION) != null) {
            response.getCoyoteResponse().action(ActionCode.CLOSE_NOW, null);
        }
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        if (status == 501) {
            // a method Tomcat does not implement (CONNECT): to a client, a method not supported here
            status = 405;
            response.setStatus(status);
        }
        ErrorCode code = ErrorCode.forStatus(status);
        String message = status == 400 ? "malformed request path or headers" : "request refused";
        byte[] body = ("{\"errors\":[{\"code\":\"" + code.name() + "\",\"message\":\"" + message + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        try {
            response.setContentType("application/json");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
            response.finishResponse();
        } catch (IOException | IllegalStateException e) {
            // the client is gone or the response is no longer ours to write
        }
    }
}
