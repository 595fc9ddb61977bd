struct Shape {
	virtual ~Shape();
	virtual int area() const = 0;
};

struct Square : Shape {
	explicit Square(int s) : side(s) {}
	int area() const override;
	int side;
};

struct Circle : Shape {
	explicit Circle(int r) : radius(r) {}
	int area() const override;
	int radius;
};

class Counter {
public:
	int step(int by);
private:
	int total = 0;
};

Shape *make_shape(long i);
