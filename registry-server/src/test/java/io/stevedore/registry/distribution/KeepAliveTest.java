package io.stevedore.registry.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.RegistryTestSupport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * A client's kept-alive connection stays open for as many requests as it sends: Tomcat closes it
 * after 100 by default, which makes every client reconnect (a handshake, behind TLS two) and the
 * server allocate fresh connection buffers each time.
 */
class KeepAliveTest extends RegistryTestSupport {

    @Test
    void oneConnectionServesMoreThanAHundredRequests() throws IOException {
        String authorization = registryAccount() == null ? "" : "Authorization: Basic " + Base64.getEncoder()
                .encodeToString((registryAccount().username() + ":" + registryAccount().password())
                        .getBytes(StandardCharsets.UTF_8)) + "\r\n";
        byte[] request = ("GET /v2/ HTTP/1.1\r\nHost: " + registryHost() + "\r\n" + authorization + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket(registryUrl().getHost(), registryUrl().getPort())) {
            socket.setSoTimeout(30_000);
            InputStream in = socket.getInputStream();
            for (int i = 1; i <= 250; i++) {
                socket.getOutputStream().write(request);
                String head = readHead(in);
                assertThat(head).as("answer %d", i).startsWith("HTTP/1.1 200");
                assertThat(head.toLowerCase(Locale.ROOT)).as("answer %d", i).doesNotContain("connection: close");
                in.readNBytes(contentLength(head));
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("the connection is still open after: %s", head).isNotNegative();
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no Content-Length in " + head);
    }
}
