package io.stevedore.registry.distribution;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * Errors Tomcat answers itself, before any servlet runs (a malformed percent-escape or an encoded
 * slash in the path, oversized headers), get the distribution spec's JSON body too, not
 * Tomcat's HTML page. Installed as the host's error report valve by {@link TomcatTuning}.
 */
public class OciErrorReportValve extends ErrorReportValve {

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
