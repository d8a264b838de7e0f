/**
 * The C structs a host passes to the spice-server API, in jextract's generated shape, written by hand because
 * jextract is not available here. Each mirrors the spice-server 0.15 headers; LayoutTest compiles a C program
 * against the installed headers and checks every size and offset.
 */
package org.spicejava.ffi.layout;
