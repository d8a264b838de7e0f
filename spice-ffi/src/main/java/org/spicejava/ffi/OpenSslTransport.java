package org.spicejava.ffi;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import org.spicejava.core.host.NetworkStack;
import org.spicejava.core.net.tls.SecureTransport;

/**
 * One TLS connection with OpenSSL on the socket itself (socket BIOs, as the reference's): OpenSSL reads and writes
 * the non-blocking fd, the handshake runs inside the first reads, and SSL_read / SSL_write take the connection's
 * buffers in place. Records are written through a buffering BIO and flushed at the end of each write. A write that
 * the socket cannot take whole stops at a record (partial-write mode); the record left in OpenSSL's buffer goes out
 * when the same bytes are offered again, which the connection does, as it keeps what was not taken. The connection's loop thread; it moves with the connection to a display worker.
 */
final class OpenSslTransport implements SecureTransport {
    private final OpenSsl ssl;
    /** SSL *, 0 once freed. */
    private long handle;
    private final MemorySegment state = Arena.ofAuto().allocate(Native.CALL_STATE);
    /** A read or the handshake stopped because the socket was full: go on when it is writable. */
    private boolean readWantsWrite;
    /** A write stopped with a record in OpenSSL's buffer: the same bytes come again when the socket is writable. */
    private boolean writeWantsWrite;
    private boolean inputClosed;
    /** A fatal error ended the session: no close_notify then. */
    private boolean failed;

    /**
     * Measured with scripts/bench-tls's full-HD frames: 1 MiB takes 2-6% less CPU per frame than 256 KiB (64 KiB:
     * 5% more). A channel that sends little touches only the first pages, so only a busy display pays the memory.
     */
    private static final int WRITE_BUFFER = 1 << 20;
    /** The buffering BIO SSL_write writes into. */
    private final long writeBio;
    /** Records wait in the buffering BIO for a writable socket. */
    private boolean unflushed;

    private OpenSslTransport(OpenSsl ssl, long handle, long writeBio) {
        this.ssl = ssl;
        this.handle = handle;
        this.writeBio = writeBio;
    }

    /** The server side of the TLS connection on {@code fd}, from {@code context} (an SSL_CTX). */
    static OpenSslTransport open(OpenSsl ssl, long context, int fd) throws IOException {
        try {
            MemorySegment state = Arena.ofAuto().allocate(Native.CALL_STATE);
            ssl.errClear(state);
            long handle = (long) ssl.sslNew.invokeExact(state, context, 0L, 0L, 0L, 0L);
            if (handle == 0) {
                throw new IOException("SSL_new failed: " + ssl.errors(state));
            }
            // Reads come straight from the socket; writes go through a buffering BIO, so the records of a large
            // message leave in writes of WRITE_BUFFER bytes instead of one per record (less kernel time per byte).
            long socket = (long) ssl.bioNewSocket.invokeExact(state, (long) fd, 0L, 0L, 0L, 0L); // BIO_NOCLOSE
            long bufferMethod = (long) ssl.bioBuffer.invokeExact(state, 0L, 0L, 0L, 0L, 0L);
            long buffer = (long) ssl.bioNew.invokeExact(state, bufferMethod, 0L, 0L, 0L, 0L);
            if (socket == 0 || buffer == 0) {
                String why = ssl.errors(state);
                int ignored = (int) ssl.bioFree.invokeExact(state, socket, 0L, 0L, 0L, 0L); // either may be made
                ignored = (int) ssl.bioFree.invokeExact(state, buffer, 0L, 0L, 0L, 0L); // (BIO_free(NULL) is a no-op)
                ignored = (int) ssl.free.invokeExact(state, handle, 0L, 0L, 0L, 0L);
                throw new IOException("BIO_new failed: " + why);
            }
            // BIO_set_write_buffer_size, then the chain buffer -> socket; the socket BIO is in both chains
            long unused = (long) ssl.bioIntCtrl.invokeExact(state, buffer, 117L, (long) WRITE_BUFFER, 1L, 0L);
            unused = (long) ssl.bioPush.invokeExact(state, buffer, socket, 0L, 0L, 0L);
            int unusedInt = (int) ssl.bioUpRef.invokeExact(state, socket, 0L, 0L, 0L, 0L);
            unusedInt = (int) ssl.setBio.invokeExact(state, handle, socket, buffer, 0L, 0L);
            unusedInt = (int) ssl.setAcceptState.invokeExact(state, handle, 0L, 0L, 0L, 0L);
            return new OpenSslTransport(ssl, handle, buffer);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    private long handle() throws IOException {
        if (handle == 0) {
            throw new IOException("TLS connection closed");
        }
        return handle;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (inputClosed) {
            return -1;
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        long ssl = handle();
        int n;
        try {
            this.ssl.errClear(state);
            n = (int) this.ssl.read.invokeExact(state, ssl, MemorySegment.ofBuffer(dst), dst.remaining());
        } catch (Throwable t) {
            throw new IOException(t);
        }
        readWantsWrite = false;
        if (n > 0) {
            dst.position(dst.position() + n);
            return n;
        }
        return switch (error(ssl, n, "read")) {
            case OpenSsl.SSL_ERROR_WANT_WRITE -> {
                readWantsWrite = true;
                yield 0;
            }
            case OpenSsl.SSL_ERROR_WANT_READ -> 0;
            default -> { // close_notify, or the peer closed the socket
                inputClosed = true;
                yield -1;
            }
        };
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int n = writeRecords(src);
        flushBuffer();
        return n;
    }

    /** A message's buffers go into the buffering BIO one after the other and leave in one flush. */
    @Override
    public long write(ByteBuffer[] srcs, int count) throws IOException {
        long n = NetworkStack.writeEach(srcs, count, this::writeRecords);
        flushBuffer();
        return n;
    }

    /** SSL_write of {@code src} into the buffering BIO, record by record, as far as the socket lets it go. */
    private int writeRecords(ByteBuffer src) throws IOException {
        long ssl = handle();
        int total = 0;
        while (src.hasRemaining()) {
            int n;
            try {
                this.ssl.errClear(state);
                n = (int) this.ssl.write.invokeExact(state, ssl, MemorySegment.ofBuffer(src), src.remaining());
            } catch (Throwable t) {
                throw new IOException(t);
            }
            if (n > 0) {
                writeWantsWrite = false;
                src.position(src.position() + n);
                total += n;
                continue;
            }
            int error = error(ssl, n, "write");
            if (error == OpenSsl.SSL_ERROR_WANT_READ || error == OpenSsl.SSL_ERROR_WANT_WRITE) {
                writeWantsWrite = error == OpenSsl.SSL_ERROR_WANT_WRITE; // WANT_READ: the handshake waits
                break;
            }
            throw new IOException("TLS write: the peer closed the connection");
        }
        return total;
    }

    /** Writes what the buffering BIO holds; when the socket is full, the rest waits for a writable event. */
    private void flushBuffer() throws IOException {
        long done;
        try {
            done = (long) ssl.bioCtrl.invokeExact(state, writeBio, 11L, 0L, 0L, 0L); // BIO_CTRL_FLUSH
        } catch (Throwable t) {
            throw new IOException(t);
        }
        int errno = Native.errno(state);
        unflushed = done != 1;
        if (unflushed && errno != 11 && errno != 4) { // EAGAIN, EINTR
            failed = true;
            throw new IOException("TLS write: errno " + errno);
        }
    }

    /**
     * SSL_get_error for a call that returned {@code result}: WANT_READ, WANT_WRITE or ZERO_RETURN (also for the
     * end of the stream), or an IOException with OpenSSL's words for a failure, which ends the session.
     */
    private int error(long ssl, int result, String what) throws IOException {
        int error;
        try {
            error = (int) this.ssl.getError.invokeExact(state, ssl, (long) result, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw new IOException(t);
        }
        switch (error) {
            case OpenSsl.SSL_ERROR_WANT_READ, OpenSsl.SSL_ERROR_WANT_WRITE, OpenSsl.SSL_ERROR_ZERO_RETURN -> {
                return error;
            }
            case OpenSsl.SSL_ERROR_SYSCALL -> {
                int errno = Native.errno(state);
                failed = true;
                if (errno == 0) {
                    return OpenSsl.SSL_ERROR_ZERO_RETURN; // the socket ended without close_notify
                }
                throw new IOException("TLS " + what + ": errno " + errno);
            }
            default -> {
                failed = true;
                throw new IOException("TLS " + what + ": " + this.ssl.errors(state));
            }
        }
    }

    @Override
    public boolean wantsWritable(boolean queued) {
        return readWantsWrite || writeWantsWrite || unflushed || queued && handshakeDone();
    }

    private boolean handshakeDone() {
        try {
            return handle != 0 && (int) ssl.initFinished.invokeExact(state, handle, 0L, 0L, 0L, 0L) == 1;
        } catch (Throwable t) {
            return false;
        }
    }

    @Override
    public void flush() throws IOException {
        if (unflushed && handle != 0) {
            flushBuffer();
        }
        if (!readWantsWrite) {
            return; // a write's record goes out when the connection offers its bytes again
        }
        long ssl = handle();
        if (handshakeDone()) {
            // after the handshake only a peer's KeyUpdate makes a read write: its answer goes with the next read
            readWantsWrite = false;
            return;
        }
        int result;
        try {
            this.ssl.errClear(state);
            result = (int) this.ssl.doHandshake.invokeExact(state, ssl, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw new IOException(t);
        }
        readWantsWrite = result != 1 && error(ssl, result, "handshake") == OpenSsl.SSL_ERROR_WANT_WRITE;
    }

    @Override
    public boolean hasBufferedInput() {
        try {
            return !inputClosed && handle != 0 && (int) ssl.hasPending.invokeExact(state, handle, 0L, 0L, 0L, 0L) == 1;
        } catch (Throwable t) {
            return false;
        }
    }

    @Override
    public int cipherBits() {
        try {
            long cipher = handle == 0 ? 0 : (long) ssl.currentCipher.invokeExact(state, handle, 0L, 0L, 0L, 0L);
            return cipher == 0 ? 0 : (int) ssl.cipherBits.invokeExact(state, cipher, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            return 0;
        }
    }

    @Override
    public void close() {
        long ssl = handle;
        handle = 0;
        if (ssl == 0) {
            return;
        }
        try {
            if (!failed) {
                this.ssl.errClear(state);
                int ignored = (int) this.ssl.shutdown.invokeExact(state, ssl, 0L, 0L, 0L, 0L); // close_notify
            }
            this.ssl.errClear(state);
            int ignored = (int) this.ssl.free.invokeExact(state, ssl, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            // the socket is closed right after: nothing more to say
        }
    }
}
