// Development only: dlib's own descriptor of fetch.py's known input, for golden.json's
// face_embedding entry (every second value of the 128, and their sum).
// Build: g++ -O2 dlib_golden.cpp -ldlib -lpthread /usr/lib/x86_64-linux-gnu/lib{blas,lapack}.so.3
// (Debian: apt-get install libdlib-dev); run: ./a.out dlib_face_recognition_resnet_model_v1.dat
// The network is the one dlib's dnn_face_recognition_ex.cpp defines.
#include <dlib/dnn.h>
#include <cmath>
#include <iostream>
using namespace dlib;
template <template <int,template<typename>class,int,typename> class block, int N, template<typename>class BN, typename SUBNET>
using residual = add_prev1<block<N,BN,1,tag1<SUBNET>>>;
template <template <int,template<typename>class,int,typename> class block, int N, template<typename>class BN, typename SUBNET>
using residual_down = add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<N,BN,2,tag1<SUBNET>>>>>>;
template <int N, template <typename> class BN, int stride, typename SUBNET>
using block  = BN<con<N,3,3,1,1,relu<BN<con<N,3,3,stride,stride,SUBNET>>>>>;
template <int N, typename SUBNET> using ares      = relu<residual<block,N,affine,SUBNET>>;
template <int N, typename SUBNET> using ares_down = relu<residual_down<block,N,affine,SUBNET>>;
template <typename SUBNET> using alevel0 = ares_down<256,SUBNET>;
template <typename SUBNET> using alevel1 = ares<256,ares<256,ares_down<256,SUBNET>>>;
template <typename SUBNET> using alevel2 = ares<128,ares<128,ares_down<128,SUBNET>>>;
template <typename SUBNET> using alevel3 = ares<64,ares<64,ares<64,ares_down<64,SUBNET>>>>;
template <typename SUBNET> using alevel4 = ares<32,ares<32,ares<32,SUBNET>>>;
using anet_type = loss_metric<fc_no_bias<128,avg_pool_everything<alevel0<alevel1<alevel2<alevel3<alevel4<
    max_pool<3,3,2,2,relu<affine<con<32,7,7,2,2,input_rgb_image_sized<150>>>>>>>>>>>>>;
int main(int argc, char** argv) {
    anet_type net; deserialize(argv[1]) >> net;
    resizable_tensor x(1, 3, 150, 150);
    const float avg[3] = {122.782f, 117.001f, 104.298f};
    float* p = x.host();
    // The known input, NHWC index i = (r*150 + c)*3 + ch, stored planar for dlib.
    for (int r = 0; r < 150; ++r) for (int c = 0; c < 150; ++c) for (int ch = 0; ch < 3; ++ch) {
        long i = (r * 150L + c) * 3 + ch;
        float v = (float)(std::sin((double)i * 0.001) * 0.9);
        p[(ch * 150L + r) * 150 + c] = (v - avg[ch]) / 256.0f;
    }
    const tensor& out = net.subnet().forward(x);
    const float* o = out.host();
    for (size_t i = 0; i < out.size(); ++i) std::cout << o[i] << (i + 1 < out.size() ? " " : "\n");
}
