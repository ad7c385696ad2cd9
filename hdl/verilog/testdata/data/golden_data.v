// UPEL spec package golden.data, version 0.1.0
// IR digest: sha256:c6195e677391f131d07eab066e5e28869ff0214b9b7709ad0c766e12f0b8fcbe (package golden.data with its imports)
//
// Conventions of every module in this file:
//   - one purely combinational, synthesisable Verilog-2005 module per operator;
//   - each parameter is one input bus; `result` is the returned value, `err`
//     the 16-bit UPEL error code (0 = success; when err != 0, result is
//     don't-care);
//   - bool is 1 bit, integers are two's complement at their declared width,
//     enums are their underlying integer;
//   - bit layout of records and arrays: the first field (element 0) in the
//     least significant bits, each field (element) packed at its own width,
//     no padding; nested records and arrays recursively the same way.
//
// This file holds one module per operator of the package, so Verilator's
// DECLFILENAME (module name = file name) cannot hold for it.
/* verilator lint_off DECLFILENAME */

// ----------------------------------------------------------------------------
// Operator golden.data.arm
//   | Arms a cell, counting arming attempts.
// Requirements: G-2, G-3
// Source: data.upel:11
// Signature: (c: record golden.data.Cell, slot: u2) -> record golden.data.Cell
// Raises: 4 (index), 6 (convert), 40 (CellError.jammed)
// Bit layout of the ports (least significant first, see the file header):
//   [20:0] c: record golden.data.Cell
//     [1:0] mode: enum golden.data.Mode (u2)
//     [17:2] count: u16
//     [20:18] flags: [bool; 3], element i at [18 + i*1 +: 1]
//   [1:0] slot: u2
//   [20:0] result: record golden.data.Cell
//     [1:0] mode: enum golden.data.Mode (u2)
//     [17:2] count: u16
//     [20:18] flags: [bool; 3], element i at [18 + i*1 +: 1]
//   [15:0] err: 0 = success, else the UPEL error code (result is then don't-care)
// ----------------------------------------------------------------------------
module golden_data_arm (
  input  wire [20:0] c,  // c: record golden.data.Cell
  input  wire [1:0] slot,  // slot: u2
  output wire [20:0] result,  // record golden.data.Cell; don't-care when err != 0
  output wire [15:0] err  // 0 = success, else the UPEL error code
);
  wire lt_1 = c[17:2] < 16'd1000;
  // requires #1 (false -> precondition)
  wire [15:0] req_2 = lt_1 ? 16'd0 : 16'd5;
  wire arm_3 = (c[1:0] == 2'd0) || (c[1:0] == 2'd1);
  wire [15:0] err_4 = arm_3 ? 16'd0 : 16'd40;
  wire [7:0] cast_5 = {7'd0, c[18]};
  wire [7:0] cast_6 = {7'd0, c[19]};
  wire [9:0] sum_wide_7 = {2'd0, cast_5} + {2'd0, cast_6};
  wire [15:0] err_8 = ($signed(sum_wide_7) > 10'sd255) ? 16'd1 : 16'd0;
  wire [7:0] cast_9 = {7'd0, c[20]};
  wire [9:0] sum_wide_10 = {2'd0, sum_wide_7[7:0]} + {2'd0, cast_9};
  wire [15:0] err_11 = ($signed(sum_wide_10) > 10'sd255) ? 16'd1 : 16'd0;
  wire [15:0] err_12 = (err_8 != 16'd0) ? err_8 : err_11;
  wire [15:0] cast_13 = {8'd0, sum_wide_10[7:0]};
  wire [17:0] sum_wide_14 = {2'd0, c[17:2]} + {2'd0, cast_13};
  wire [15:0] err_15 = ($signed(sum_wide_14) > 18'sd65535) ? 16'd1 : 16'd0;
  wire hit_16 = slot == 2'd0;
  wire mux_17 = hit_16 ? 1'b1 : c[18];
  wire hit_18 = slot == 2'd1;
  wire mux_19 = hit_18 ? 1'b1 : c[19];
  wire hit_20 = slot == 2'd2;
  wire mux_21 = hit_20 ? 1'b1 : c[20];
  wire [15:0] err_22 = (slot >= 2'd3) ? 16'd4 : 16'd0;
  wire [15:0] err_23 = (err_15 != 16'd0) ? err_15 : err_22;
  wire [15:0] err_24 = (err_4 != 16'd0) ? err_4 : err_12;
  wire [15:0] err_25 = (err_24 != 16'd0) ? err_24 : err_23;
  wire [15:0] err_26 = (req_2 != 16'd0) ? req_2 : err_25;
  assign result = {mux_21, mux_19, mux_17, sum_wide_14[15:0], 2'd1};
  assign err = err_26;
endmodule

// ----------------------------------------------------------------------------
// Operator golden.data.mode_of
// Source: data.upel:19
// Signature: (x: u2) -> enum golden.data.Mode (u2)
// Raises: 6 (convert)
// Bit layout of the ports (least significant first, see the file header):
//   [1:0] x: u2
//   [1:0] result: enum golden.data.Mode (u2)
//   [15:0] err: 0 = success, else the UPEL error code (result is then don't-care)
// ----------------------------------------------------------------------------
module golden_data_mode_of (
  input  wire [1:0] x,  // x: u2
  output wire [1:0] result,  // enum golden.data.Mode (u2); don't-care when err != 0
  output wire [15:0] err  // 0 = success, else the UPEL error code
);
  wire member_1 = (x == 2'd0) || (x == 2'd1) || (x == 2'd3);
  wire [15:0] err_2 = (!member_1) ? 16'd6 : 16'd0;
  assign result = x;
  assign err = err_2;
endmodule
