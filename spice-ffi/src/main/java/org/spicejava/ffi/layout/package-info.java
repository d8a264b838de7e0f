/**
 * The C structs a host passes to the spice-server API, and those of the libraries spice-ffi binds (Cyrus SASL, x264,
 * libvpx), in jextract's generated shape, written by hand because jextract is not available here. Each mirrors the
 * installed headers (spice-server 0.15, sasl/sasl.h, x264.h, vpx/*.h); LayoutTest, SaslLayoutTest, X264LayoutTest
 * and VpxLayoutTest compile C programs against them and check every size and offset.
 */
package org.spicejava.ffi.layout;
