/**
 * The spicevmc char-device channels, as the reference server's spicevmc.cpp, smartcard.cpp and char-device.cpp
 * implement them: USBREDIR (QEMU's {@code -chardev spicevmc,name=usbredir}), PORT and WEBDAV ({@code -chardev
 * spiceport}), and SMARTCARD ({@code -chardev spicevmc,name=smartcard}).
 *
 * <p>{@link org.spicejava.core.vmc.VmcDevices} makes a device and its channel for each char device the host adds,
 * with the reference's channel ids. A {@link org.spicejava.core.vmc.PassthroughDevice} moves bytes unchanged
 * between its device and the {@link org.spicejava.core.vmc.VmcChannelClient} of its channel (DATA, LZ4
 * COMPRESSED_DATA, and for ports PORT_INIT and PORT_EVENT); a {@link org.spicejava.core.vmc.SmartcardDevice} is one
 * reader of the smartcard channel, whose {@link org.spicejava.core.vmc.SmartcardChannelClient} speaks the VSC
 * protocol ({@link org.spicejava.core.vmc.Vsc}) with reader ids. Wire constants and limits are in
 * {@link org.spicejava.core.vmc.VmcProtocol}.
 *
 * <p>Flow control and bad input: each device buffers a bounded amount each way ({@link
 * org.spicejava.core.vmc.VmcDevice}); a client that does not read holds back its own device, a device that does
 * not take data pauses reading its own client's socket. A client message over its channel's bound, a broken or
 * oversized compressed message, a short smartcard message or one for a reader the server does not have closes that
 * channel; a device's VSC message over {@link org.spicejava.core.vmc.Vsc#MAX_PAYLOAD} is skipped. One log line
 * each; the rest of the server keeps working.
 */
package org.spicejava.core.vmc;
