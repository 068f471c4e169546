fn main() {
    println!("dinhdanh: under construction");
}
