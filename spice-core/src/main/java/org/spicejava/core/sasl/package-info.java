/**
 * SASL authentication of a link (the reference's red_sasl_* in red-stream.cpp) and its security layer. spice-core
 * has no SASL of its own: it states what it needs from one as {@link org.spicejava.core.sasl.SaslLibrary} and
 * {@link org.spicejava.core.sasl.SaslServer}, and spice-ffi binds Cyrus SASL (libsasl2.so.2) behind them. The
 * exchange itself is the link stage's ({@code link.SaslAuth}); after it, {@link org.spicejava.core.sasl.SaslTransport}
 * runs the connection through sasl_encode/sasl_decode when the mechanism negotiated a security layer.
 */
package org.spicejava.core.sasl;
