use burn::tensor::{Tensor, TensorData};
use meanfield_core::host_vec;
fn main() {
    let device = meanfield_core::cpu_device();
    let x = Tensor::<2>::from_data(TensorData::new(vec![0.0f64, 0.0, 1.0, 0.0, 0.0, 2.0], [3, 2]), &device);
    let check = |name: &str, f: &dyn Fn(Tensor<2>) -> Tensor<1>| {
        let a = x.clone().autodiff().require_grad();
        let g = f(a.clone()).backward();
        println!("{name}: {:?}", host_vec(a.grad(&g).unwrap()));
    };
    check("square", &|a| a.square().sum());
    check("powf1.5 of sq+1", &|a| a.square().add_scalar(1.0).powf_scalar(1.5).sum());
    check("bcast", &|a| { let o = x.clone().autodiff().unsqueeze_dim::<3>(0); (a.unsqueeze_dim::<3>(1) - o).square().sum() });
    check("sum_dim", &|a| a.square().sum_dim(1).powf_scalar(1.5).sum());
    check("div3", &|a| a.square().div_scalar(3.0).sum());
    check("mul", &|a| (a.clone().square() * a).sum());
}
