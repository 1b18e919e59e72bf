package io.stevedore.registry.proxy;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies what is read from the upstream to the client as well, one read behind: the bytes of the
 * latest read are held back until the next read returns, so the client receives the end of a blob
 * only when {@link #release()} is called, after the commit verified its digest. A client that
 * receives every byte therefore never receives a blob that was not verified and stored. A client
 * that goes away does not stop the reading: the blob is still stored for the next pull.
 */
final class TeeInputStream extends FilterInputStream {
    private final OutputStream client;
    private byte[] held = new byte[0];
    private int heldLength;
    private boolean clientGone;

    TeeInputStream(InputStream upstream, OutputStream client) {
        super(upstream);
        this.client = client;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            sendHeld();
            if (held.length < n) {
                held = new byte[Math.max(n, 64 * 1024)];
            }
            System.arraycopy(buffer, offset, held, 0, n);
            heldLength = n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skipping would leave a gap in what the client receives");
    }

    /** Sends the bytes held back; call once the blob is verified and committed. */
    void release() {
        sendHeld();
        if (!clientGone) {
            try {
                client.flush();
            } catch (IOException e) {
                clientGone = true;
            }
        }
    }

    boolean clientGone() {
        return clientGone;
    }

    private void sendHeld() {
        if (heldLength > 0 && !clientGone) {
            try {
                client.write(held, 0, heldLength);
            } catch (IOException e) {
                clientGone = true; // keep reading: the blob is still worth storing
            }
        }
        heldLength = 0;
    }
}
