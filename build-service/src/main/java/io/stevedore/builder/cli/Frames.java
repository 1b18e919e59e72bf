package io.stevedore.builder.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The build daemon's wire format on its Unix socket: the request is the client's working
 * directory, arguments and environment as length-prefixed UTF-8 strings; the answer is a
 * sequence of frames (stdout bytes, stderr bytes, and finally the exit status). The native client
 * (src/main/c/stevedore-build.c) writes and reads the same bytes.
 */
final class Frames {
    static final int VERSION = 1;
    static final byte STDOUT = 1;
    static final byte STDERR = 2;
    static final byte EXIT = 3;
    private static final int MAX_STRING = 1 << 20;

    private Frames() {}

    /** What a client asks the daemon: run {@code args} in {@code cwd} with {@code environment}. */
    record Request(Path cwd, String[] args, Map<String, String> environment) {
    }

    /** The request, or null when the client speaks another version. */
    static Request readRequest(DataInputStream in) throws IOException {
        if (in.readInt() != VERSION) {
            return null;
        }
        Path cwd = Path.of(readString(in));
        String[] args = new String[count(in)];
        for (int i = 0; i < args.length; i++) {
            args[i] = readString(in);
        }
        int variables = count(in);
        Map<String, String> environment = new HashMap<>();
        for (int i = 0; i < variables; i++) {
            environment.putIfAbsent(readString(in), readString(in));   // a repeated name: the first, as getenv(3)
        }
        return new Request(cwd, args, environment);
    }

    /** The request as {@link #readRequest} reads it, flushed. */
    static void writeRequest(DataOutputStream out, Path cwd, String[] args, Map<String, String> environment)
            throws IOException {
        out.writeInt(VERSION);
        writeString(out, cwd.toString());
        out.writeInt(args.length);
        for (String arg : args) {
            writeString(out, arg);
        }
        out.writeInt(environment.size());
        for (Map.Entry<String, String> entry : environment.entrySet()) {
            writeString(out, entry.getKey());
            writeString(out, entry.getValue());
        }
        out.flush();
    }

    private static int count(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > MAX_STRING) {
            throw new IOException("bad frame count " + count);
        }
        return count;
    }

    static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_STRING) {
            throw new IOException("bad frame length " + length);
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** An output stream that sends what is written as frames of one channel; frames are written atomically. */
    static OutputStream channel(DataOutputStream out, byte channel) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                synchronized (out) {
                    out.writeByte(channel);
                    out.writeInt(len);
                    out.write(b, off, len);
                    out.flush();
                }
            }
        };
    }
}
