/**
 * The C structs a host passes to the spice-server API, and those of the libraries we bind (Cyrus SASL, x264), in
 * jextract's generated shape, written by hand because jextract is not available here. Each mirrors the installed
 * headers (spice-server 0.15, sasl/sasl.h, x264.h); LayoutTest, SaslLayoutTest and X264LayoutTest compile C programs
 * against them and check every size and offset.
 */
package org.spicejava.ffi.layout;
